/**
 * Imported first by every function entry point, before any module that builds a zod schema.
 *
 * zod compiles a parser per object schema with `new Function` on its first parse: fast when the same
 * schema parses thousands of values, as in `cloud-alerts backtest`, but a Lambda container parses the
 * configuration once and then one event per invocation, and most containers of a quiet alerting
 * pipeline see a handful. Without the compile step a cold start is about 8 ms shorter (`npm run bench`).
 * zod reads the setting when a schema is constructed, hence a module of its own, imported first.
 */
import * as z from 'zod/mini';

z.config({ jitless: true });
