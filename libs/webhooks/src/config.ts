import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Ctor<T = object> = new (...args: any[]) => T;

/** true/false, 1/0, yes/no, on/off; anything else stays a string and fails IsBoolean. */
const toBool = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const v = value.toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  return value;
};

/**
 * WEBHOOK_ALLOW_HTTP, for every service that checks endpoint URLs (the api when one is saved,
 * the invoicer before each attempt): a config mixin like WithPostgres.
 */
export function WithWebhookUrlPolicy<B extends Ctor>(Base: B) {
  class WebhookUrlPolicyEnv extends Base {
    /** Allow http:// and private addresses (local and test). Default: only outside production. */
    @IsOptional()
    @Transform(toBool)
    @IsBoolean()
    WEBHOOK_ALLOW_HTTP?: boolean;
  }
  return WebhookUrlPolicyEnv;
}

/** http:// (and private addresses) are refused in production unless WEBHOOK_ALLOW_HTTP says otherwise. */
export function webhookAllowHttp(config: { NODE_ENV: string; WEBHOOK_ALLOW_HTTP?: boolean }): boolean {
  return config.WEBHOOK_ALLOW_HTTP ?? config.NODE_ENV !== 'production';
}
