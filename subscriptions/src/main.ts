import { createLogger, runMain } from '@ko/platform';
import { start } from './server';

runMain('subscriptions', createLogger('subscriptions'), () => start());
