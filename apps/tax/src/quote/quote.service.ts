import { Inject, Injectable } from '@nestjs/common';
import type { FxConvertRequestV1 } from '@mu/contracts';
import { CONFIG } from '@mu/platform';
import {
  checkFxRequest,
  convert,
  FxRateNotFoundError,
  parseFxRates,
  parseTaxContext,
  parseTaxQuoteRequest,
  quoteTax,
  type FxConversion,
  type TaxQuote,
} from '@mu/tax-engine';
import type { TaxEnv } from '../config';
import { TaxRepository } from './tax.repository';

/** Orchestrates one quote or conversion: validate, read the tenant's tables, let the engine compute. */
@Injectable()
export class QuoteService {
  constructor(
    private readonly repository: TaxRepository,
    @Inject(CONFIG) private readonly config: Readonly<TaxEnv>,
  ) {}

  /** Throws TaxRequestError (bad request) or TaxConfigError (the tenant's stored tables are bad). */
  async quote(tenantId: string, body: unknown): Promise<TaxQuote> {
    // Validate before touching the database: a malformed date must not reach a query.
    const request = parseTaxQuoteRequest(body);
    const context = parseTaxContext(await this.repository.taxContext(tenantId, request.date));
    return quoteTax(request, context);
  }

  async convert(req: FxConvertRequestV1): Promise<FxConversion> {
    const { tenantId, amount, from, to, date } = req;
    const maxAgeDays = req.maxAgeDays ?? this.config.FX_MAX_AGE_DAYS;
    checkFxRequest(amount, from, to, date, maxAgeDays);
    if (from === to) return convert(amount, from, to, [], date, { maxAgeDays });
    // Fast path: only rates young enough to be used. When none is, read the pairs again without the
    // window so the error can say how old the newest rate is rather than that there is none.
    const recent = parseFxRates(await this.repository.fxRates(tenantId, [from, to], date, maxAgeDays));
    try {
      return convert(amount, from, to, recent, date, { maxAgeDays });
    } catch (err) {
      if (!(err instanceof FxRateNotFoundError)) throw err;
      const all = parseFxRates(await this.repository.fxRates(tenantId, [from, to], date));
      return convert(amount, from, to, all, date, { maxAgeDays });
    }
  }
}
