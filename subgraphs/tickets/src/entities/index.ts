import { EventState } from './event-state';
import { Hold } from './hold';
import { Order } from './order';
import { Ticket } from './ticket';
import { TicketTier } from './ticket-tier';

export { EventState, Hold, Order, Ticket, TicketTier };
export const ticketEntities = [EventState, TicketTier, Hold, Order, Ticket];
