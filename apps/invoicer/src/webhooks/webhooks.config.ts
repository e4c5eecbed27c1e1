import { Type } from 'class-transformer';
import { IsInt, Max, Min, registerDecorator, type ValidationArguments } from 'class-validator';
import { WEBHOOK_DISPATCHER_DEFAULTS, WithWebhookUrlPolicy } from '@mu/webhooks';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Ctor<T = object> = new (...args: any[]) => T;

/** The number is at least the named sibling variable's. */
function NotLessThan(other: string) {
  return (target: object, propertyName: string): void => {
    registerDecorator({
      name: 'notLessThan',
      target: target.constructor,
      propertyName,
      constraints: [other],
      options: { message: `${propertyName} must not be less than ${other}` },
      validator: {
        validate: (value: unknown, args: ValidationArguments) => {
          const min = (args.object as Record<string, unknown>)[other];
          return typeof value !== 'number' || typeof min !== 'number' || value >= min;
        },
      },
    });
  };
}

/** The invoicer's webhook dispatcher settings (docs/invoicing.md, "Webhooks"). */
export function WithWebhooks<B extends Ctor>(Base: B) {
  class WebhooksEnv extends WithWebhookUrlPolicy(Base) {
    /** Wait between polls for due deliveries, when the last poll found none. */
    @Type(() => Number)
    @IsInt()
    @Min(10)
    @Max(60_000)
    WEBHOOK_POLL_MS: number = WEBHOOK_DISPATCHER_DEFAULTS.pollMs;

    /** One POST, answer included. */
    @Type(() => Number)
    @IsInt()
    @Min(100)
    @Max(60_000)
    WEBHOOK_TIMEOUT_MS: number = WEBHOOK_DISPATCHER_DEFAULTS.timeoutMs;

    /** Attempts in all (the first included) before a delivery is failed. */
    @Type(() => Number)
    @IsInt()
    @Min(1)
    @Max(50)
    WEBHOOK_MAX_ATTEMPTS: number = WEBHOOK_DISPATCHER_DEFAULTS.maxAttempts;

    /** The wait after the first failed attempt; it doubles after each further one. */
    @Type(() => Number)
    @IsInt()
    @Min(1)
    @Max(86_400_000)
    WEBHOOK_BACKOFF_BASE_MS: number = WEBHOOK_DISPATCHER_DEFAULTS.backoffBaseMs;

    /** The longest wait between two attempts. */
    @Type(() => Number)
    @IsInt()
    @Min(1)
    @Max(7 * 86_400_000)
    @NotLessThan('WEBHOOK_BACKOFF_BASE_MS')
    WEBHOOK_BACKOFF_MAX_MS: number = WEBHOOK_DISPATCHER_DEFAULTS.backoffMaxMs;

    /** Deliveries one invoicer sends at once. */
    @Type(() => Number)
    @IsInt()
    @Min(1)
    @Max(100)
    WEBHOOK_CONCURRENCY: number = WEBHOOK_DISPATCHER_DEFAULTS.concurrency;
  }
  return WebhooksEnv;
}

export type WebhooksConfig = InstanceType<ReturnType<typeof WithWebhooks<Ctor>>> & { NODE_ENV: string };
