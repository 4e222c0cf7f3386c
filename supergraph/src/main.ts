import { createLogger } from '@ko/platform/logger';
import { runMain } from '@ko/platform/lifecycle';
import { start } from './server';

runMain('router', createLogger('router'), () => start());
