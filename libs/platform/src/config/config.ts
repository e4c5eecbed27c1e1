import 'reflect-metadata';
import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

export interface ConfigProblem {
  variable: string;
  problems: string[];
}

/** The environment is wrong. Lists every bad variable at once, never their values. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(
    readonly service: string,
    readonly problems: ConfigProblem[],
  ) {
    super(
      `${service}: invalid environment (${problems.length} variable${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p.variable}: ${p.problems.join('; ')}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

function collect(errors: ValidationError[]): ConfigProblem[] {
  return errors.map((e) => ({ variable: e.property, problems: Object.values(e.constraints ?? {}) }));
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * Validate the environment once, at boot, into a typed read-only object.
 * Only the variables the class declares are read; empty strings count as unset.
 */
export function loadConfig<T extends object>(
  service: string,
  schema: ClassConstructor<T>,
  env: NodeJS.ProcessEnv = process.env,
): Readonly<T> {
  const plain: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') plain[k] = v;
  const instance = plainToInstance(schema, plain, {
    exposeDefaultValues: true,
    excludeExtraneousValues: false,
  });
  const errors = validateSync(instance, {
    whitelist: true,
    forbidUnknownValues: true,
    skipMissingProperties: false,
  });
  if (errors.length > 0) throw new ConfigError(service, collect(errors));
  // whitelist stripped unknown keys from the instance; copy to a plain frozen object.
  return deepFreeze({ ...instance });
}
