/** Topics of the platform. */
export const Topics = {
  eventsLifecycle: 'events.lifecycle',
  ticketsSold: 'tickets.sold',
  /** Tiers whose places for sale changed other than by a sale (holds, new tiers, tier changes). */
  ticketsAvailability: 'tickets.availability',
  ordersCancelled: 'orders.cancelled',
  /** Waiting rooms: their progress and their queue tickets' admissions (queueTicketUpdated). */
  ticketsQueue: 'tickets.queue',
  chatMessages: 'chat.messages',
  /** Accounts' mail-worthy moments: sign-up, verification and password-reset requests. */
  usersAccounts: 'users.accounts',
  /** Orders as placed, with what their receipt says (the sale's totals are on `tickets.sold`). */
  ordersPlaced: 'orders.placed',
} as const;
export type TopicName = (typeof Topics)[keyof typeof Topics];

/** The services that hold Kafka credentials of their own (`mail`: the mail function's event source). */
export const KAFKA_PRINCIPALS = [
  'users',
  'events',
  'tickets',
  'chat',
  'subscriptions',
  'mail',
] as const;
export type KafkaPrincipal = (typeof KAFKA_PRINCIPALS)[number];

/**
 * Who may write and read each topic: the broker's ACLs are made from this table. Only the
 * owner writes; readers consume. Each principal also uses consumer groups named after it.
 */
export const TopicAccess: Record<TopicName, { writer: KafkaPrincipal; readers: KafkaPrincipal[] }> =
  {
    [Topics.eventsLifecycle]: { writer: 'events', readers: ['tickets', 'subscriptions', 'mail'] },
    [Topics.ticketsSold]: { writer: 'tickets', readers: ['subscriptions'] },
    [Topics.ticketsAvailability]: { writer: 'tickets', readers: ['subscriptions'] },
    [Topics.ordersCancelled]: { writer: 'tickets', readers: ['mail'] },
    [Topics.ticketsQueue]: { writer: 'tickets', readers: ['subscriptions'] },
    [Topics.chatMessages]: { writer: 'chat', readers: ['subscriptions'] },
    // Carries single-use links (verification, password reset): only the mail function reads it.
    [Topics.usersAccounts]: { writer: 'users', readers: ['mail'] },
    [Topics.ordersPlaced]: { writer: 'tickets', readers: ['mail'] },
  };

/** Partitions of every platform topic (facts are keyed by event id, so an event keeps its order). */
export const TOPIC_PARTITIONS = 3;
