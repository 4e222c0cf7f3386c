import { useId, useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { ErrorNotice } from '../../components/common';
import { PostAnnouncementDocument } from '../../components/chat/operations';

export function AnnouncementForm({ eventId }: { eventId: string }) {
  const [{ fetching, error }, post] = useMutation(PostAnnouncementDocument);
  const [body, setBody] = useState('');
  const [posted, setPosted] = useState(false);
  const id = useId();
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setPosted(false);
    const result = await post({ eventId, body: body.trim() });
    if (result.data) {
      setBody('');
      setPosted(true);
    }
  };
  return (
    <form className="card form" onSubmit={onSubmit} aria-labelledby="announce-heading">
      <h3 id="announce-heading">Post an announcement</h3>
      <div className="field">
        <label htmlFor={id}>Announcement</label>
        <textarea
          id={id}
          rows={3}
          required
          maxLength={2000}
          placeholder="Doors open at 19:00…"
          value={body}
          onChange={(e) => setBody(e.target.value)}
        />
        <small className="hint">Pinned at the top of the event's chat for everyone.</small>
      </div>
      <ErrorNotice error={error} />
      {posted && (
        <p role="status" className="success-text">
          Announcement posted.
        </p>
      )}
      <button type="submit" className="button" disabled={fetching || !body.trim()}>
        {fetching ? 'Posting…' : 'Post announcement'}
      </button>
    </form>
  );
}
