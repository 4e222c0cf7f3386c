// A developer's loop: `npx tsx client/test/support/dev.ts` boots the e2e stack with demo data and
// keeps it running (prints the client URL). Needs TEST_POSTGRES_URL, KAFKA_BROKERS and
// KAFKA_CREDENTIALS_FILE.
import { startE2E } from './e2e';
import { createEvent, registerAccount } from './fixtures';

async function main(): Promise<void> {
  const e2e = await startE2E();
  const organizer = await registerAccount(e2e.stack, {
    email: 'org@example.com',
    name: 'Aurora Live',
    role: 'ORGANIZER',
  });
  await registerAccount(e2e.stack, { email: 'fan@example.com', name: 'Fiona Fan', role: 'FAN' });
  const cities = ['Porto', 'Lisbon', 'Braga'];
  const categories = ['Music', 'Sports', 'Theatre', 'Comedy'];
  for (let i = 0; i < 15; i++) {
    await createEvent(e2e.stack, organizer, {
      title:
        [
          'Midnight Orchestra',
          'City Derby',
          'Hamlet Reimagined',
          'Stand-up Night',
          'Jazz on the River',
        ][i % 5]! + ` ${i + 1}`,
      category: categories[i % categories.length],
      city: cities[i % cities.length],
      venue: ['Coliseu', 'Estádio', 'Teatro Rivoli'][i % 3],
      startsAt: new Date(Date.now() + (i + 2) * 86_400_000).toISOString(),
      tiers: [
        { name: 'General Admission', priceCents: 3500 + i * 100, capacity: 200 },
        { name: 'VIP', priceCents: 12000, capacity: i === 3 ? 0 + 1 : 20 },
      ],
      publish: i !== 14,
    });
  }
  console.log(
    `CLIENT ${e2e.baseUrl}\nGATEWAY ${e2e.stack.routerUrl}\nUSERS ${e2e.stack.urls.users}\nEVENTS ${e2e.stack.urls.events}\nTICKETS ${e2e.stack.urls.tickets}`,
  );
  const stop = () => void e2e.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
