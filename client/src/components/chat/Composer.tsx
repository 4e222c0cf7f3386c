import { useEffect, useId, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useMutation } from 'urql';
import { errorCode, retryAfterSeconds, type ErrorLike } from '../../lib/errors';
import { ErrorNotice } from '../common';
import { PostAnnouncementDocument, PostMessageDocument, type Message } from './operations';

const MAX_BODY = 2000;

export function Composer({
  eventId,
  asOrganizer,
  onPosted,
}: {
  eventId: string;
  asOrganizer: boolean;
  onPosted: (m: Message) => void;
}) {
  const [body, setBody] = useState('');
  const [announce, setAnnounce] = useState(false);
  const [failure, setFailure] = useState<ErrorLike | undefined>();
  const [blockedUntil, setBlockedUntil] = useState(0);
  const [now, setNow] = useState(Date.now());
  const [posting, postMessage] = useMutation(PostMessageDocument);
  const [announcing, postAnnouncement] = useMutation(PostAnnouncementDocument);
  const ids = { body: useId(), announce: useId(), status: useId() };
  const waitSeconds = Math.ceil((blockedUntil - now) / 1000);
  const busy = posting.fetching || announcing.fetching;

  useEffect(() => {
    if (blockedUntil <= Date.now()) return;
    const timer = setInterval(() => {
      setNow(Date.now());
      if (Date.now() >= blockedUntil) {
        clearInterval(timer);
        setFailure(undefined);
      }
    }, 250);
    return () => clearInterval(timer);
  }, [blockedUntil]);

  const send = async () => {
    const text = body.trim();
    if (!text || busy || waitSeconds > 0) return;
    setFailure(undefined);
    const result =
      announce && asOrganizer
        ? await postAnnouncement({ eventId, body: text })
        : await postMessage({ eventId, body: text });
    const posted =
      result.data &&
      ('postAnnouncement' in result.data ? result.data.postAnnouncement : result.data.postMessage);
    if (posted) {
      setBody('');
      onPosted(posted);
      return;
    }
    setFailure(result.error);
    // Too fast, or the platform too busy to take it: the draft stays, and sending waits.
    const code = errorCode(result.error);
    const wait = retryAfterSeconds(result.error);
    if (code === 'RATE_LIMITED' || (code === 'SERVICE_UNAVAILABLE' && wait)) {
      setBlockedUntil(Date.now() + (wait ?? 5) * 1000);
      setNow(Date.now());
    }
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void send();
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void send();
    }
  };

  const waiting = waitSeconds > 0 ? errorCode(failure) : undefined;
  const mustWait = waiting === 'RATE_LIMITED' || waiting === 'SERVICE_UNAVAILABLE';
  return (
    <form className="composer" onSubmit={onSubmit}>
      <label htmlFor={ids.body} className="composer-label">
        {announce ? 'Announcement' : 'Your message'}
      </label>
      <textarea
        id={ids.body}
        rows={2}
        maxLength={MAX_BODY}
        placeholder={
          announce
            ? 'Tell everyone on this event…'
            : 'Say something… (Enter to send, Shift+Enter for a new line)'
        }
        value={body}
        onChange={(e) => setBody(e.target.value)}
        onKeyDown={onKeyDown}
        aria-describedby={ids.status}
      />
      <div className="composer-row">
        {asOrganizer && (
          <label className="checkbox" htmlFor={ids.announce}>
            <input
              id={ids.announce}
              type="checkbox"
              checked={announce}
              onChange={(e) => setAnnounce(e.target.checked)}
            />{' '}
            Post as announcement
          </label>
        )}
        <span id={ids.status} className="composer-status" aria-live="polite">
          {waiting === 'RATE_LIMITED'
            ? `You're sending messages too fast, try again in ${waitSeconds} s.`
            : waiting === 'SERVICE_UNAVAILABLE'
              ? `The chat is very busy right now, try again in ${waitSeconds} s.`
              : body.length > MAX_BODY - 200
                ? `${MAX_BODY - body.length} characters left`
                : ''}
        </span>
        <button
          type="submit"
          className="button button-small"
          disabled={busy || !body.trim() || mustWait}
        >
          {busy ? 'Sending…' : announce ? 'Announce' : 'Send'}
        </button>
      </div>
      {failure && !mustWait && errorCode(failure) !== 'RATE_LIMITED' && (
        <ErrorNotice error={failure} />
      )}
    </form>
  );
}
