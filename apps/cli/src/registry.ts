import type { Command } from './command';
import { migrateCommand } from './commands/migrate';
import { resourceCommands } from './commands/resources';
import { tenantCreateCommand } from './commands/tenant';
import { priceCommand } from './commands/price';
import { streamsProvisionCommand } from './commands/streams';
import { taxQuoteCommand } from './commands/tax';
import { fxImportCommand } from './commands/fx';
import { eventsImportCommand } from './commands/events-import';
import { invoiceVerifyCommand } from './commands/invoice';

/**
 * Every `mu` command. Add a command by writing it under commands/ and listing it here. A command
 * that needs @mu/platform or @mu/contracts imports them inside run(): every `mu` call loads this
 * list, and the platform alone would add ~0.8 s to each (a test checks it stays out).
 */
export const COMMANDS: Command[] = [
  tenantCreateCommand,
  ...resourceCommands,
  migrateCommand,
  priceCommand,
  streamsProvisionCommand,
  taxQuoteCommand,
  fxImportCommand,
  eventsImportCommand,
  invoiceVerifyCommand,
];
