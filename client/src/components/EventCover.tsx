import { useSession } from '../session/session';

/** A small stable number from a string (FNV-1a), to pick an event's colours. */
function hashOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Up to two letters from the title's first words ("Jazz by the River" → "JR"). */
export function initialsOf(title: string): string {
  const words = title
    .split(/\s+/)
    .filter((w) => /^\p{L}/u.test(w) && !/^(the|a|an|of|at|by|and|in|on|de|la|le)$/i.test(w));
  return (
    words
      .slice(0, 2)
      .map((w) => w[0]!.toUpperCase())
      .join('') || title.slice(0, 1).toUpperCase()
  );
}

/**
 * An event's cover: its image (served by the router) or, without one, a generated cover: a
 * gradient whose hues come from the event's id and category, with the title's initials.
 */
export function EventCover({
  event,
  size = 'card',
}: {
  event: { id: string; title: string; category: string; imageUrl?: string | null };
  size?: 'card' | 'hero';
}) {
  const { apiOrigin } = useSession();
  if (event.imageUrl)
    return (
      <img
        className={`event-cover event-cover-${size}`}
        src={new URL(event.imageUrl, apiOrigin).href}
        alt=""
        loading={size === 'card' ? 'lazy' : 'eager'}
        data-testid="event-cover"
      />
    );
  const hue = hashOf(event.category.toLowerCase()) % 360;
  const shift = 30 + (hashOf(event.id) % 90);
  return (
    <div
      className={`event-cover event-cover-${size} event-cover-generated`}
      // Custom properties set through the DOM (CSSOM), which the page's CSP allows.
      style={{
        ['--cover-a' as string]: `hsl(${hue} 70% 45%)`,
        ['--cover-b' as string]: `hsl(${(hue + shift) % 360} 75% 35%)`,
      }}
      aria-hidden="true"
      data-testid="event-cover"
    >
      <span>{initialsOf(event.title)}</span>
    </div>
  );
}
