import { createLogger, runMain } from '@ko/platform';
import { start } from './server';

runMain('chat', createLogger('chat'), () => start());
