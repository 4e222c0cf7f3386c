import { useMutation } from 'urql';
import { describeError } from '../../lib/errors';
import { formatChatTime, formatDateTime } from '../../lib/format';
import { DeleteMessageDocument, type Message } from './operations';

export function ChatLine({
  message,
  organizerId,
  canDelete,
  mine,
}: {
  message: Message;
  organizerId: string | undefined;
  canDelete: boolean;
  mine: boolean;
}) {
  const [{ fetching, error }, remove] = useMutation(DeleteMessageDocument);
  const fromOrganizer =
    message.kind === 'ANNOUNCEMENT' ||
    (organizerId !== undefined && message.author?.id === organizerId);
  return (
    <li
      className={`message${mine ? ' message-mine' : ''}${message.kind === 'ANNOUNCEMENT' ? ' message-announcement' : ''}`}
      data-testid="chat-message"
    >
      <p className="message-head">
        <span className="message-author">{message.author.name}</span>
        {fromOrganizer && <span className="badge badge-organizer">Organizer</span>}
        <time
          className="muted"
          dateTime={message.createdAt}
          title={formatDateTime(message.createdAt)}
        >
          {formatChatTime(message.createdAt)}
        </time>
        {canDelete && (
          <button
            type="button"
            className="link-button message-delete"
            disabled={fetching}
            aria-label={mine ? 'Delete your message' : `Delete message from ${message.author.name}`}
            onClick={() => void remove({ id: message.id })}
          >
            {fetching ? 'Deleting…' : 'Delete'}
          </button>
        )}
      </p>
      <p className="message-body">{message.body}</p>
      {error && <p className="field-error">{describeError(error)}</p>}
    </li>
  );
}
