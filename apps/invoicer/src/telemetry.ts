// Imported first by main.ts, so tracing is running before any other module loads.
import { startTelemetry } from '@mu/platform';

startTelemetry('mu-invoicer');
