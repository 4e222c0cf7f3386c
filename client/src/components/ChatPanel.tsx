import { useCallback, useEffect, useId, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useClient } from 'urql';
import { pipe, subscribe } from 'wonka';
import { type ErrorLike } from '../lib/errors';
import { formatChatTime, formatDateTime } from '../lib/format';
import { useSession } from '../session/session';
import { ErrorNotice, useSignInRedirect } from './common';
import { ChatLine } from './chat/ChatLine';
import { Composer } from './chat/Composer';
import {
  ChatHistoryDocument,
  MessageDeletedDocument,
  MessagePostedDocument,
  byTime,
  type Message,
} from './chat/operations';

/** Announcements pinned above the chat. */
const PINNED = 3;
const PAGE_SIZE = 30;

/**
 * The event's chat, oldest at the top and live at the bottom: a page of history from
 * `Event.messages`, then `messagePosted` / `messageDeleted` as they happen. Message bodies
 * are rendered as React text nodes: never as HTML.
 */
export function ChatPanel({
  eventId,
  organizerId,
  open,
}: {
  eventId: string;
  organizerId: string | undefined;
  open: boolean;
}) {
  const client = useClient();
  const { viewer, reconnects } = useSession();
  const askToSignIn = useSignInRedirect();
  const [messages, setMessages] = useState<ReadonlyMap<string, Message>>(new Map());
  const [deleted, setDeleted] = useState<ReadonlySet<string>>(new Set());
  const [older, setOlder] = useState<{ cursor: string | null; hasMore: boolean }>({
    cursor: null,
    hasMore: false,
  });
  const [loading, setLoading] = useState(true);
  const [loadError, setLoadError] = useState<ErrorLike | undefined>();
  const [reloadKey, setReloadKey] = useState(0);
  const list = useRef<HTMLOListElement>(null);
  const stickToBottom = useRef(true);
  const keepOffset = useRef<number | null>(null);
  const headingId = useId();

  const add = useCallback((incoming: readonly Message[]) => {
    if (incoming.length === 0) return;
    setMessages((current) => {
      const next = new Map(current);
      for (const m of incoming) next.set(m.id, m);
      return next;
    });
  }, []);

  // History: the newest page (with the announcements); read again when the client changes and
  // after a dropped live connection (it has what the socket missed).
  useEffect(() => {
    let active = true;
    setLoading(true);
    setLoadError(undefined);
    setMessages(new Map());
    setDeleted(new Set());
    stickToBottom.current = true;
    void client
      .query(
        ChatHistoryDocument,
        { eventId, first: PAGE_SIZE, withAnnouncements: true },
        { requestPolicy: 'network-only' },
      )
      .toPromise()
      .then((result) => {
        if (!active) return;
        setLoading(false);
        const event = result.data?.event;
        if (!event) {
          setLoadError(
            result.error ?? {
              graphQLErrors: [
                { message: 'The chat is not available.', extensions: { code: 'NOT_FOUND' } },
              ],
            },
          );
          return;
        }
        add([...(event.announcements ?? []), ...event.messages.edges.map((e) => e.node)]);
        setOlder({
          cursor: event.messages.pageInfo.endCursor ?? null,
          hasMore: event.messages.pageInfo.hasNextPage,
        });
      });
    return () => {
      active = false;
    };
  }, [client, eventId, add, reloadKey, reconnects]);

  // Live: new messages and deletions, for everyone on the page.
  useEffect(() => {
    const posted = pipe(
      client.subscription(MessagePostedDocument, { eventId }),
      subscribe((result) => {
        if (result.data?.messagePosted) add([result.data.messagePosted]);
      }),
    );
    const removed = pipe(
      client.subscription(MessageDeletedDocument, { eventId }),
      subscribe((result) => {
        const id = result.data?.messageDeleted;
        if (id) setDeleted((current) => new Set(current).add(id));
      }),
    );
    return () => {
      posted.unsubscribe();
      removed.unsubscribe();
    };
  }, [client, eventId, add]);

  const [loadingOlder, setLoadingOlder] = useState(false);
  const loadOlder = useCallback(async () => {
    if (!older.hasMore || loadingOlder || !older.cursor) return;
    setLoadingOlder(true);
    const el = list.current;
    const result = await client
      .query(
        ChatHistoryDocument,
        { eventId, first: PAGE_SIZE, before: older.cursor, withAnnouncements: false },
        { requestPolicy: 'network-only' },
      )
      .toPromise();
    setLoadingOlder(false);
    const page = result.data?.event?.messages;
    if (!page) {
      setLoadError(result.error);
      return;
    }
    // Keep the reader's place: older messages grow the list above what they are reading.
    if (el) keepOffset.current = el.scrollHeight - el.scrollTop;
    add(page.edges.map((e) => e.node));
    setOlder({ cursor: page.pageInfo.endCursor ?? null, hasMore: page.pageInfo.hasNextPage });
  }, [client, eventId, older, loadingOlder, add]);

  const visible = useMemo(
    () => [...messages.values()].filter((m) => !deleted.has(m.id)).sort(byTime),
    [messages, deleted],
  );
  const announcements = useMemo(
    () => visible.filter((m) => m.kind === 'ANNOUNCEMENT').reverse(),
    [visible],
  );
  // The latest announcements are pinned above the chat; the stream shows each message once.
  const stream = useMemo(() => {
    const pinned = new Set(announcements.slice(0, PINNED).map((m) => m.id));
    return visible.filter((m) => !pinned.has(m.id));
  }, [visible, announcements]);

  // Follow the conversation when the reader is at the bottom; otherwise leave them be.
  useLayoutEffect(() => {
    const el = list.current;
    if (!el) return;
    if (keepOffset.current !== null) {
      el.scrollTop = el.scrollHeight - keepOffset.current;
      keepOffset.current = null;
    } else if (stickToBottom.current) {
      el.scrollTop = el.scrollHeight;
    }
  }, [visible]);

  // Scrolling to the top loads older messages (the button does the same for keyboards).
  const sentinel = useRef<HTMLLIElement>(null);
  useEffect(() => {
    const target = sentinel.current;
    if (!target || !older.hasMore || typeof IntersectionObserver === 'undefined') return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting) && !stickToBottom.current) void loadOlder();
      },
      { root: list.current },
    );
    observer.observe(target);
    return () => observer.disconnect();
  }, [older.hasMore, loadOlder]);

  const onScroll = () => {
    const el = list.current;
    if (el) stickToBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 60;
  };

  const isOrganizer = Boolean(viewer && organizerId && viewer.id === organizerId);

  return (
    <section className="chat card" aria-labelledby={headingId}>
      <h2 id={headingId}>Live chat</h2>

      {announcements.length > 0 && (
        <section className="announcements" aria-label="Announcements from the organizer">
          {announcements.slice(0, PINNED).map((m) => (
            <article key={m.id} className="announcement" data-testid="announcement">
              <p className="announcement-head">
                <span className="badge badge-organizer">Organizer announcement</span>
                <span className="muted">
                  {m.author.name} ·{' '}
                  <time dateTime={m.createdAt} title={formatDateTime(m.createdAt)}>
                    {formatChatTime(m.createdAt)}
                  </time>
                </span>
              </p>
              <p className="message-body">{m.body}</p>
            </article>
          ))}
        </section>
      )}

      {loadError && <ErrorNotice error={loadError} onRetry={() => setReloadKey((k) => k + 1)} />}
      <ol
        className="messages"
        ref={list}
        onScroll={onScroll}
        // A list that announces its additions (role="log" would take its list semantics away).
        aria-live="polite"
        aria-relevant="additions"
        aria-label="Messages"
        tabIndex={0}
      >
        {older.hasMore && (
          <li ref={sentinel} className="messages-older">
            <button
              type="button"
              className="button button-ghost button-small"
              disabled={loadingOlder}
              onClick={() => void loadOlder()}
            >
              {loadingOlder ? 'Loading…' : 'Load older messages'}
            </button>
          </li>
        )}
        {loading && <li className="muted messages-empty">Loading messages…</li>}
        {!loading && !loadError && visible.length === 0 && (
          <li className="muted messages-empty">No messages yet. Say hello!</li>
        )}
        {stream.map((m) => (
          <ChatLine
            key={m.id}
            message={m}
            organizerId={organizerId}
            canDelete={Boolean(viewer && (viewer.id === m.author.id || isOrganizer))}
            mine={viewer?.id === m.author.id}
          />
        ))}
      </ol>

      {!open ? (
        <p className="muted chat-closed">The chat is closed for this event.</p>
      ) : viewer ? (
        <Composer
          eventId={eventId}
          asOrganizer={isOrganizer}
          onPosted={(m) => {
            stickToBottom.current = true;
            add([m]);
          }}
        />
      ) : (
        <p className="chat-signin">
          <button type="button" className="button button-small" onClick={askToSignIn}>
            Sign in to chat
          </button>
        </p>
      )}
    </section>
  );
}
