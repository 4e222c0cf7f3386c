import { graphql, type GraphQLResult, type RouterClient } from '@ko/platform/testing';

// Waiting-room requests through the router, shared by the waiting-room suites.

export const SET_ROOM = `mutation Set($eventId: ID!, $input: WaitingRoomInput!) {
  setWaitingRoom(eventId: $eventId, input: $input) { id waitingRoom { enabled opensAt phase } }
}`;
export const JOIN = `mutation Join($eventId: ID!) {
  joinWaitingRoom(eventId: $eventId) { id eventId status position estimatedWaitSeconds admittedUntil }
}`;
export const MY_TICKETS = `query { me { queueTickets { id eventId status position admittedUntil } } }`;

export interface QueueTicket {
  id: string;
  eventId: string;
  status: 'WAITING' | 'ADMITTED' | 'EXPIRED' | 'CLOSED';
  position: number | null;
  admittedUntil: string | null;
}

export async function setRoom(
  client: RouterClient,
  token: string,
  eventId: string,
  input: { enabled: boolean; opensAt?: string | null },
): Promise<void> {
  await client.ok(SET_ROOM, { eventId, input }, token);
}

export async function join(
  client: RouterClient,
  token: string,
  eventId: string,
): Promise<QueueTicket> {
  return (await client.ok(JOIN, { eventId }, token)).joinWaitingRoom as QueueTicket;
}

/** The fan's ticket for the event, as `User.queueTickets` shows it. */
export async function ticketOf(
  client: RouterClient,
  token: string,
  eventId: string,
): Promise<QueueTicket> {
  const data = await client.ok(MY_TICKETS, {}, token);
  return (data.me.queueTickets as QueueTicket[]).find((t) => t.eventId === eventId)!;
}

export const reserve = (url: string, token: string, tierId: string, quantity = 1) =>
  graphql(
    url,
    'mutation($i: ReserveInput!) { reserveTickets(input: $i) { id } }',
    { i: { tierId, quantity } },
    token,
  );

export const codeOf = (result: GraphQLResult) => result.errors?.[0]?.extensions?.code;
