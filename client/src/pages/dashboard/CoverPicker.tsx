import { useId, useState, type ChangeEvent } from 'react';
import { useMutation } from 'urql';
import { ErrorNotice } from '../../components/common';
import { EventCover } from '../../components/EventCover';
import { SetEventImageDocument, type OrganizedEvent } from './operations';

const TYPES = ['image/jpeg', 'image/png', 'image/webp'];
const MAX_BYTES = 5 * 1024 * 1024;

const asDataUrl = (file: File) =>
  new Promise<string>((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('The file could not be read.'));
    reader.readAsDataURL(file);
  });

/**
 * The event's cover and a way to change it. The browser checks the type and size first to save
 * a pointless upload; the API checks the bytes themselves.
 */
export function CoverPicker({ event }: { event: OrganizedEvent }) {
  const [{ fetching, error }, setImage] = useMutation(SetEventImageDocument);
  const [problem, setProblem] = useState<string | null>(null);
  const id = useId();

  const onPick = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = '';
    setProblem(null);
    if (!file) return;
    if (!TYPES.includes(file.type))
      return setProblem('Choose a JPEG, PNG or WebP picture for the cover.');
    if (file.size > MAX_BYTES)
      return setProblem(
        `This picture is ${(file.size / 1024 / 1024).toFixed(1)} MB; a cover may be at most 5 MB.`,
      );
    await setImage({ eventId: event.id, imageBase64: await asDataUrl(file) });
  };

  return (
    <div className="cover-picker">
      <EventCover event={event} size="hero" />
      {event.status !== 'CANCELLED' && (
        <label htmlFor={id} className="button button-ghost button-small">
          {fetching ? 'Uploading…' : event.imageUrl ? 'Change cover image' : 'Add a cover image'}
          <input
            id={id}
            type="file"
            accept={TYPES.join(',')}
            className="visually-hidden"
            disabled={fetching}
            onChange={(e) => void onPick(e)}
          />
        </label>
      )}
      {problem && (
        <p className="field-error" role="alert">
          {problem}
        </p>
      )}
      <ErrorNotice error={error} />
    </div>
  );
}
