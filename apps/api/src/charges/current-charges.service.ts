import { Inject, Injectable } from '@nestjs/common';
import { currentCharges, type CurrentCharges } from '@mu/billing';
import { CLICKHOUSE, type ClickHouseClient } from '@mu/platform';
import { DB, type Db } from '../db/db.module';
import { NotFoundError } from '../http/errors';

export type { CurrentCharges } from '@mu/billing';

/**
 * The running period's charges of a customer, computed on request by libs/billing from
 * ClickHouse (deduped by event key) and libs/pricing: the same code the rater's alerts and the
 * invoicer's period close use. Fresh as soon as the rater's insert is in.
 */
@Injectable()
export class CurrentChargesService {
  constructor(
    @Inject(DB) private readonly db: Db,
    @Inject(CLICKHOUSE) private readonly ch: ClickHouseClient,
  ) {}

  async forCustomer(tenantId: string, customerId: string, at = new Date()): Promise<CurrentCharges> {
    const charges = await currentCharges({ db: this.db, ch: this.ch }, tenantId, customerId, at);
    if (!charges) throw new NotFoundError('customer', customerId);
    return charges;
  }
}
