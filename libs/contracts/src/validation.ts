import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

export interface ContractIssue {
  /** Dotted path of the offending field, e.g. `events.3.time`; empty for the message itself. */
  path: string;
  message: string;
}

/** A payload does not match its contract. It can never succeed as it is: terminate, don't retry. */
export class ContractViolationError extends Error {
  readonly code = 'CONTRACT_VIOLATION';
  constructor(
    readonly contract: string,
    readonly issues: ContractIssue[],
  ) {
    super(`${contract}: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`);
    this.name = 'ContractViolationError';
  }
}

/** A versioned message: its name on the wire and the class that validates it. */
export interface MessageContract<T extends object> {
  name: string;
  version: number;
  schema: ClassConstructor<T>;
  /**
   * Optional fast path for hot contracts (see fast-check.ts): true only for payloads the
   * schema certainly accepts, which are then used as they are (plain objects, not class
   * instances); anything else goes through the schema, which gives the verdict and issues.
   */
  fastCheck?: (plain: unknown) => boolean;
}

export function flattenValidationErrors(errors: ValidationError[], parent = ''): ContractIssue[] {
  const issues: ContractIssue[] = [];
  for (const err of errors) {
    const path = parent ? `${parent}.${err.property}` : err.property;
    for (const message of Object.values(err.constraints ?? {})) issues.push({ path, message });
    if (err.children?.length) issues.push(...flattenValidationErrors(err.children, path));
  }
  return issues;
}

const VALIDATE_OPTIONS = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true } as const;

/** Validate a plain object against a contract, returning the typed instance. */
export function validateMessage<T extends object>(contract: MessageContract<T>, plain: unknown): T {
  const label = `${contract.name}.v${contract.version}`;
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) {
    throw new ContractViolationError(label, [{ path: '', message: 'payload must be a JSON object' }]);
  }
  if (contract.fastCheck?.(plain)) return plain as T;
  const instance = plainToInstance(contract.schema, plain);
  const errors = validateSync(instance, VALIDATE_OPTIONS);
  if (errors.length > 0) throw new ContractViolationError(label, flattenValidationErrors(errors));
  return instance;
}

/** Decode bytes received from the wire: JSON, then the contract. */
export function decodeMessage<T extends object>(contract: MessageContract<T>, bytes: Uint8Array): T {
  let plain: unknown;
  try {
    plain = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw new ContractViolationError(`${contract.name}.v${contract.version}`, [
      { path: '', message: `payload is not valid JSON (${(err as Error).message})` },
    ]);
  }
  return validateMessage(contract, plain);
}

/** Validate an outbound payload, then encode it. A bad payload never reaches the wire. */
export function encodeMessage<T extends object>(contract: MessageContract<T>, payload: T): Uint8Array {
  const text = JSON.stringify(payload);
  // The fast check holds on the payload itself only where it is plain JSON data already
  // (decoded from the wire); otherwise validate what the wire will carry.
  if (!contract.fastCheck?.(payload)) validateMessage(contract, JSON.parse(text));
  return Buffer.from(text, 'utf8');
}
