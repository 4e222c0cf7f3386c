import type { DataSource } from 'typeorm';
import { forbidden, isUuid, requireViewer, type Viewer } from '@ko/platform';
import { Hold } from './entities/hold';
import { Order } from './entities/order';
import { Ticket } from './entities/ticket';

/** An order's number as people read it: on the site, in e-mails and on the PDF alike. */
export const orderNumber = (orderId: string): string =>
  `KO-${orderId.replace(/-/g, '').slice(0, 12).toUpperCase()}`;

/** What a buyer owns: their tickets and orders, shown to them only. */
export class Wallet {
  constructor(private readonly db: DataSource) {}

  /**
   * For a loader: the newest `first` tickets of each user, for that user only (anyone else's
   * come back empty: the resolver shows null, like `User.email`).
   */
  async ticketsOf(
    viewer: Viewer | null,
    userIds: string[],
    first: number,
  ): Promise<Map<string, Ticket[]>> {
    if (!viewer || !userIds.includes(viewer.id)) return new Map();
    const tickets = await this.db.getRepository(Ticket).find({
      where: { ownerId: viewer.id },
      order: { createdAt: 'DESC', id: 'ASC' },
      take: first,
    });
    return new Map([[viewer.id, tickets]]);
  }

  /** For a loader: the newest `first` orders of each user, for that user only. */
  async ordersOf(
    viewer: Viewer | null,
    userIds: string[],
    first: number,
  ): Promise<Map<string, Order[]>> {
    if (!viewer || !userIds.includes(viewer.id)) return new Map();
    const orders = await this.db
      .getRepository(Order)
      .find({ where: { userId: viewer.id }, order: { createdAt: 'DESC', id: 'ASC' }, take: first });
    return new Map([[viewer.id, orders]]);
  }

  /**
   * One order, for its buyer (say, to download its PDF without every other order's).
   * Null when there is no such order; FORBIDDEN when it is someone else's.
   */
  async orderOf(viewer: Viewer | null, orderId: string): Promise<Order | null> {
    const buyer = requireViewer(viewer);
    if (!isUuid(orderId)) return null;
    const order = await this.db.getRepository(Order).findOneBy({ id: orderId });
    if (!order) return null;
    if (order.userId !== buyer.id) throw forbidden('This order belongs to someone else.');
    return order;
  }

  /** For DataLoader: each order's tickets. */
  async ticketsOfOrders(orderIds: readonly string[]): Promise<Ticket[][]> {
    const valid = orderIds.filter(isUuid);
    const found = valid.length
      ? await this.db
          .getRepository(Ticket)
          .createQueryBuilder('t')
          .where('t.order_id = ANY(:ids)', { ids: valid })
          .orderBy('t.created_at', 'ASC')
          .addOrderBy('t.id', 'ASC')
          .getMany()
      : [];
    return orderIds.map((id) => found.filter((t) => t.orderId === id));
  }

  /** A hold's status as the buyer should read it: an unswept expired hold is EXPIRED already. */
  static holdStatus(hold: Hold, now = new Date()): Hold['status'] {
    return hold.status === 'ACTIVE' && hold.expiresAt <= now ? 'EXPIRED' : hold.status;
  }
}
