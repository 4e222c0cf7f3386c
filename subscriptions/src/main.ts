import { createLogger } from '@ko/platform/logger';
import { runMain } from '@ko/platform/lifecycle';
import { start } from './server';

runMain('subscriptions', createLogger('subscriptions'), () => start());
