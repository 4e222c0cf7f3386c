// The tickets suites' own requests; the shared fixtures (RouterClient, eventually) are in
// @ko/platform/testing.

export const RESERVE = `mutation Reserve($input: ReserveInput!) {
  reserveTickets(input: $input) { id quantity expiresAt status tier { id available } }
}`;
export const CHECKOUT = `mutation Checkout($holdId: ID!, $key: String!) {
  checkout(holdId: $holdId, idempotencyKey: $key) { id status totalCents tickets { id code status } }
}`;
export const CHECK_IN =
  'mutation CheckIn($code: String!) { checkInTicket(code: $code) { id status tier { name } owner { id } } }';
export const TIERS =
  'query Tiers($id: ID!) { event(id: $id) { id status tiers { id name capacity available } } }';
export const MY_TICKETS =
  '{ me { id tickets { id code status tier { name } event { id title } } orders { id status totalCents tickets { id } } } }';
