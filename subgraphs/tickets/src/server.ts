import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import DataLoader from 'dataloader';
import { parse } from 'graphql';
import {
  FactConsumer,
  OutboxRelay,
  PeopleDirectory,
  ServiceClient,
  Topics,
  createDataSource,
  createKafka,
  kafkaConnection,
  createLogger,
  createLambdaInvoker,
  createServiceTokenVerifier,
  openDatabase,
  outboxEntities,
  sendJson,
  listLoader,
  startSubgraph,
  type ListKey,
  type RequestContext,
} from '@ko/platform';
import { BoxOffice } from './box-office';
import { loadTicketsConfig, type TicketsConfig } from './config';
import { Door } from './door';
import { ticketEntities } from './entities';
import { GuestList } from './guest-list';
import type { Order } from './entities/order';
import type { Ticket } from './entities/ticket';
import type { TicketTier } from './entities/ticket-tier';
import { LIFECYCLE_FACTS, eventLifecycleHandler } from './event-lifecycle';
import { EventStates } from './event-states';
import { EventsClient, type EventDetails } from './events-client';
import { FanLimits } from './fan-limits';
import { HoldDesk } from './hold-desk';
import { HoldSweeper } from './hold-sweeper';
import { Inventory } from './inventory';
import { migrations } from './migrations';
import { OrderBook } from './order-book';
import { ConcurrencyLimit } from '@ko/platform/concurrency-limit';
import { PurchaseThrottle } from './purchase-throttle';
import { AdmissionPace } from './admission-pace';
import { TierEvents } from './tier-events';
import { QueueAdmitter } from './queue-admitter';
import type { RoomState } from './queue-views';
import { resolvers } from './resolvers';
import { VerifiedBuyers } from './verified-buyers';
import { SalesReports, type SalesBucket, type SalesRow } from './sales-reports';
import { TicketSigner } from './ticket-codes';
import { TicketPrinter } from './ticket-printer';
import { TierEditor } from './tier-editor';
import { Wallet } from './wallet';
import { WaitingRoom } from './waiting-room';
import { drawFrom } from './lottery';

export interface TicketsContext extends RequestContext {
  inventory: Inventory;
  tierEditor: TierEditor;
  boxOffice: BoxOffice;
  /** Times holds and purchases: the waiting rooms' admission follows their answer times. */
  admissionPace: AdmissionPace;
  verifiedBuyers: VerifiedBuyers;
  door: Door;
  guestList: GuestList;
  wallet: Wallet;
  holdDesk: HoldDesk;
  signer: TicketSigner;
  printer: TicketPrinter;
  salesReports: SalesReports;
  waitingRoom: WaitingRoom;
  rooms: DataLoader<string, RoomState | undefined>;
  tiers: DataLoader<string, TicketTier | undefined>;
  tiersByEvent: DataLoader<string, TicketTier[]>;
  ticketsByOrder: DataLoader<string, Ticket[]>;
  ticketsOf: DataLoader<ListKey<{ first: number }>, Ticket[], string>;
  ordersOf: DataLoader<ListKey<{ first: number }>, Order[], string>;
  /** Events as the events service has them, one call per request (with the caller's token). */
  eventDetails: DataLoader<string, EventDetails | null>;
  /** Keyed `${bucket}:${eventId}`: each event's sales rows for its report. */
  salesByEvent: DataLoader<string, SalesRow[]>;
}

export const typeDefs = parse(readFileSync(join(__dirname, '..', 'src', 'schema.graphql'), 'utf8'));

export async function start(config: TicketsConfig = loadTicketsConfig()) {
  const logger = createLogger('tickets', config.LOG_LEVEL);
  const db = await openDatabase(
    createDataSource({
      url: config.DATABASE_URL,
      entities: [...ticketEntities, ...outboxEntities],
      migrations,
      poolSize: config.DATABASE_POOL_SIZE,
    }),
    logger,
  );
  const signer = await TicketSigner.load({
    privateJwk: config.TICKET_SIGNING_PRIVATE_JWK,
    file: join(config.KEYS_DIR, 'ticket-signing-ed25519.json'),
  });
  const kafka = createKafka({ ...kafkaConnection(config), clientId: 'tickets', logger });
  const relay = new OutboxRelay({
    dataSource: db,
    kafka,
    logger,
    topics: [
      Topics.ticketsSold,
      Topics.ticketsAvailability,
      Topics.ordersCancelled,
      Topics.ordersPlaced,
      Topics.ticketsQueue,
    ],
  });
  relay.start();
  // Waiting rooms move on a timer, and at once after a sale or a join here, admitting as fast as
  // this box office answers holds and purchases.
  const admissionPace = new AdmissionPace({
    floor: config.WAITING_ROOM_MIN_ADMITTED,
    ceiling: config.WAITING_ROOM_MAX_ADMITTED,
    targetMs: config.WAITING_ROOM_TARGET_MS,
    stepMs: config.WAITING_ROOM_INTERVAL_MS,
  });
  // One draw for the shuffle and the joins drawn in after it (seeded in tests).
  const draw = drawFrom(config.WAITING_ROOM_SHUFFLE_SEED);
  const admitter = new QueueAdmitter(
    db,
    logger,
    {
      intervalMs: config.WAITING_ROOM_INTERVAL_MS,
      admissionSeconds: config.WAITING_ROOM_ADMISSION_SECONDS,
      pace: admissionPace,
      draw,
      drawQuietMs: config.WAITING_ROOM_DRAW_QUIET_MS,
    },
    () => relay.nudge(),
  );
  admitter.start();

  const events = new EventsClient(ServiceClient.fromServiceList(config.SERVICE_LIST, 'events'));
  const states = new EventStates(db, events);
  const waitingRoom = new WaitingRoom(db, states, draw, () => {
    relay.nudge();
    admitter.nudge();
  });
  const inventory = new Inventory(db, states);
  const tierEditor = new TierEditor(db);
  const verifiedBuyers = new VerifiedBuyers(
    config.REQUIRE_VERIFIED_EMAIL
      ? ServiceClient.fromServiceList(config.SERVICE_LIST, 'users')
      : undefined,
  );
  const boxOffice = new BoxOffice(
    db,
    states,
    new FanLimits({
      perFanEventLimit: config.PER_FAN_EVENT_LIMIT,
      perFanHeldLimit: config.PER_FAN_HELD_LIMIT,
    }),
    new OrderBook(
      db,
      signer,
      () => {
        relay.nudge();
        admitter.nudge();
      },
      // At most this many purchase statements at once: each holds a pooled connection while it
      // waits for the tier's row lock, and two connections stay free for reads and the health check.
      new ConcurrencyLimit(Math.max(1, config.DATABASE_POOL_SIZE - 2)),
    ),
    new PurchaseThrottle(db, config.PURCHASES_PER_MINUTE, logger),
    new TierEvents(db),
    { holdTtlSeconds: config.HOLD_TTL_SECONDS },
  );
  const door = new Door(db, signer, states);
  const guestList = new GuestList(db, states, PeopleDirectory.fromServiceList(config.SERVICE_LIST));
  const wallet = new Wallet(db);
  const holdDesk = new HoldDesk(db, () => {
    relay.nudge();
    admitter.nudge();
  });
  // PDFs and reports are drawn by lambdas: the runner locally (LAMBDA_ENDPOINT), AWS Lambda otherwise.
  const lambda = createLambdaInvoker(config.lambda);
  const everyFunctionLocal = Object.keys(config.lambda.functionNames).every(
    (name) => config.lambda.endpoints?.[name],
  );
  if (!config.lambda.endpoint && !everyFunctionLocal && !config.lambda.region) {
    logger.warn(
      {},
      'LAMBDA_ENDPOINT and AWS_REGION are unset: Order.pdf and Event.salesReport call AWS Lambda in the SDK default region, if one is configured',
    );
  }
  const printer = new TicketPrinter(lambda, logger);
  const salesReports = new SalesReports(db, lambda, logger);
  const sweeper = new HoldSweeper(db, logger, config.HOLD_SWEEP_INTERVAL_MS);
  sweeper.start();

  // Kafka may be down at start: the consumer keeps trying in the background instead of refusing to serve.
  const lifecycle = new FactConsumer({
    kafka,
    groupId: config.KAFKA_CONSUMER_GROUP,
    facts: LIFECYCLE_FACTS,
    logger,
    handle: eventLifecycleHandler(db, states, logger, () => relay.nudge()),
  });
  const consuming = lifecycle.start();

  const server = await startSubgraph<TicketsContext>({
    name: 'tickets',
    typeDefs,
    resolvers,
    port: config.PORT,
    host: config.HOST,
    logger,
    maskInternalErrors: config.NODE_ENV === 'production',
    trustProxy: config.TRUST_PROXY,
    verifyToken: createServiceTokenVerifier(config),
    extendContext: (base) => ({
      ...base,
      inventory,
      tierEditor,
      boxOffice,
      admissionPace,
      verifiedBuyers,
      door,
      guestList,
      wallet,
      holdDesk,
      signer,
      printer,
      salesReports,
      waitingRoom,
      rooms: new DataLoader((ids: readonly string[]) => waitingRoom.rooms(ids)),
      tiers: new DataLoader((ids: readonly string[]) => inventory.byIds(ids)),
      tiersByEvent: new DataLoader((ids: readonly string[]) => inventory.byEvents(ids)),
      ticketsByOrder: new DataLoader((ids: readonly string[]) => wallet.ticketsOfOrders(ids)),
      ticketsOf: listLoader(
        (ids, { first }: { first: number }) => wallet.ticketsOf(base.viewer, ids, first),
        [] as Ticket[],
      ),
      ordersOf: listLoader(
        (ids, { first }: { first: number }) => wallet.ordersOf(base.viewer, ids, first),
        [] as Order[],
      ),
      eventDetails: new DataLoader((ids: readonly string[]) =>
        events.find(ids, base.authorization),
      ),
      salesByEvent: new DataLoader((keys: readonly string[]) => salesRowsFor(salesReports, keys)),
    }),
    readiness: { database: async () => void (await db.query('SELECT 1')) },
    routes: {
      // For door scanners: verify codes offline with this key (see ticket-codes.ts for the format).
      '/.well-known/ticket-signing-key': (_req, res) => {
        res.setHeader('cache-control', 'public, max-age=300');
        sendJson(res, 200, signer.publicJwk);
      },
    },
  });

  return {
    url: `${server.url}/graphql`,
    port: server.port,
    db,
    relay,
    sweeper,
    stop: async () => {
      await server.close();
      await sweeper.stop();
      await admitter.stop();
      await lifecycle.stop();
      await Promise.race([consuming, new Promise((resolve) => setTimeout(resolve, 2_000))]);
      await relay.stop();
      lambda.close();
      await db.destroy();
    },
  };
}

/** Batches `${bucket}:${eventId}` keys into one query per bucket. */
async function salesRowsFor(reports: SalesReports, keys: readonly string[]): Promise<SalesRow[][]> {
  const split = keys.map((key) => {
    const at = key.indexOf(':');
    return { bucket: key.slice(0, at) as SalesBucket, eventId: key.slice(at + 1) };
  });
  const answers = new Map<string, SalesRow[]>();
  for (const bucket of new Set(split.map((k) => k.bucket))) {
    const eventIds = split.filter((k) => k.bucket === bucket).map((k) => k.eventId);
    const rows = await reports.salesOf(eventIds, bucket);
    eventIds.forEach((id, i) => answers.set(`${bucket}:${id}`, rows[i]!));
  }
  return keys.map((key) => answers.get(key) ?? []);
}
