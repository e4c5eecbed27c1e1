import { Inject, Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { flattenValidationErrors } from '@mu/contracts';
import { CLICKHOUSE, type ClickHouseClient } from '@mu/platform';
import {
  countWindows,
  decodeRejectionCursor,
  DIMENSION_NAME,
  listRejectedEvents,
  queryUsage,
  UsageQueryError,
  UsageQueryTooLargeError,
  type RejectionsPage,
} from '@mu/usage';
import { DB, type Db } from '../db/db.module';
import { ApiError, NotFoundError, ValidationFailedError, type FieldIssue } from '../http/errors';
import {
  MAX_FILTER_DIMENSIONS,
  MAX_FILTER_VALUES,
  MAX_ROWS,
  MAX_WINDOWS,
  UsageQueryDto,
  type EventsQueryDto,
  type UsageResponseDto,
} from './usage.dto';

/** The answer would be larger than MAX_ROWS rows. */
export class UsageQueryTooLarge extends ApiError {
  readonly code = 'USAGE_QUERY_TOO_LARGE';
  readonly status = 400;
}

const CUSTOMER_ID = /^cus_[0-9A-Z]{26}$/;
const FILTER_KEY = /^filter\[(.*)\]$/;

export interface ParsedUsageQuery {
  query: UsageQueryDto;
  filter: Record<string, string[]>;
}

/**
 * GET /v1/meters/{idOrKey}/usage: decode the query string (the plain parameters through their
 * DTO, with the same rules as the global validation pipe, and `filter[dim]=v` by hand: the
 * querystring parser leaves the brackets in the key), resolve meter and customer in Postgres,
 * and read the usage store through @mu/usage.
 */
@Injectable()
export class UsageService {
  constructor(
    @Inject(DB) private readonly db: Db,
    @Inject(CLICKHOUSE) private readonly ch: ClickHouseClient,
  ) {}

  parse(raw: Record<string, unknown>): ParsedUsageQuery {
    const plain: Record<string, unknown> = {};
    const filter: Record<string, string[]> = {};
    const issues: FieldIssue[] = [];
    for (const [key, value] of Object.entries(raw)) {
      const m = FILTER_KEY.exec(key);
      if (!m) {
        if (key.startsWith('filter'))
          issues.push({ path: key, message: 'filters are written filter[dimension]=value' });
        else plain[key] = value;
        continue;
      }
      const dim = m[1]!;
      const values = (Array.isArray(value) ? value : [value]).map(String);
      if (!DIMENSION_NAME.test(dim))
        issues.push({ path: key, message: 'must name a dimension (letters, digits, _)' });
      else if (values.length > MAX_FILTER_VALUES)
        issues.push({ path: key, message: `at most ${MAX_FILTER_VALUES} values` });
      else if (values.some((v) => v.length > 256))
        issues.push({ path: key, message: 'values are at most 256 characters' });
      else filter[dim] = values;
    }
    if (Object.keys(filter).length > MAX_FILTER_DIMENSIONS)
      issues.push({ path: 'filter', message: `at most ${MAX_FILTER_DIMENSIONS} dimensions` });
    const query = plainToInstance(UsageQueryDto, plain);
    const errors = validateSync(query, {
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
    });
    issues.push(...flattenValidationErrors(errors));
    if (issues.length) throw new ValidationFailedError(issues);
    return { query, filter };
  }

  async usage(
    tenantId: string,
    idOrKey: string,
    { query: q, filter }: ParsedUsageQuery,
  ): Promise<UsageResponseDto> {
    const meter = await this.db
      .selectFrom('meters')
      .select(['id', 'key', 'aggregation', 'group_by', 'unit'])
      .where('tenant_id', '=', tenantId)
      .where(idOrKey.startsWith('mtr_') ? 'id' : 'key', '=', idOrKey)
      .executeTakeFirst();
    if (!meter) throw new NotFoundError('meter', idOrKey);

    const fromMs = Date.parse(q.from);
    const toMs = Date.parse(q.to);
    const tz = q.tz ?? 'UTC';
    const groupBy = q.groupBy ?? [];
    const issues: FieldIssue[] = [];
    if (fromMs >= toMs) issues.push({ path: 'to', message: 'to must be after from' });
    else if (q.window) {
      const n = countWindows(fromMs, toMs, q.window, tz, MAX_WINDOWS);
      if (n > MAX_WINDOWS)
        issues.push({
          path: 'window',
          message: `at most ${MAX_WINDOWS.toLocaleString('en-US')} windows per request; ${q.window} windows over this range are more: narrow from/to or use a larger window`,
        });
    }
    if (q.customer !== undefined && q.subject !== undefined)
      issues.push({ path: 'subject', message: 'give customer or subject, not both' });
    const dimensions = Object.keys(meter.group_by);
    const known = (name: string) => name === 'subject' || dimensions.includes(name);
    const describe = dimensions.length
      ? `its dimensions are ${dimensions.join(', ')}`
      : 'it has no dimensions';
    groupBy.forEach((g, i) => {
      if (!known(g))
        issues.push({
          path: `groupBy.${i}`,
          message: `meter ${meter.key} has no dimension ${g}; ${describe}`,
        });
      else if (groupBy.indexOf(g) !== i)
        issues.push({ path: `groupBy.${i}`, message: `${g} is named twice` });
    });
    for (const dim of Object.keys(filter)) {
      if (!known(dim))
        issues.push({
          path: `filter[${dim}]`,
          message: `meter ${meter.key} has no dimension ${dim}; ${describe}`,
        });
    }
    if (issues.length) throw new ValidationFailedError(issues);

    let customerId: string | null = null;
    let subjects: string[] | undefined = q.subject;
    if (q.customer !== undefined) {
      const customer = await this.db
        .selectFrom('customers')
        .select('id')
        .where('tenant_id', '=', tenantId)
        .where(CUSTOMER_ID.test(q.customer) ? 'id' : 'external_key', '=', q.customer)
        .executeTakeFirst();
      if (!customer) throw new NotFoundError('customer', q.customer);
      customerId = customer.id;
      const rows = await this.db
        .selectFrom('customer_subjects')
        .select('subject_key')
        .where('tenant_id', '=', tenantId)
        .where('customer_id', '=', customer.id)
        .orderBy('subject_key')
        .execute();
      subjects = rows.map((r) => r.subject_key);
    }

    let data;
    try {
      data = await queryUsage(this.ch, {
        tenantId,
        meterId: meter.id,
        aggregation: meter.aggregation,
        subjects,
        from: q.from,
        to: q.to,
        window: q.window,
        tz,
        groupBy,
        filter,
        maxRows: MAX_ROWS,
        maxWindows: MAX_WINDOWS,
      });
    } catch (err) {
      if (err instanceof UsageQueryTooLargeError) throw new UsageQueryTooLarge(err.message);
      if (err instanceof UsageQueryError) throw new ValidationFailedError(err.issues);
      throw err;
    }
    return {
      meter: { id: meter.id, key: meter.key, aggregation: meter.aggregation, unit: meter.unit },
      customer: customerId,
      subjects: subjects ?? null,
      from: new Date(fromMs).toISOString(),
      to: new Date(toMs).toISOString(),
      window: q.window ?? null,
      tz,
      groupBy,
      filter,
      data,
    };
  }

  async rejected(tenantId: string, q: EventsQueryDto): Promise<RejectionsPage> {
    const issues: FieldIssue[] = [];
    if (q.cursor !== undefined && !decodeRejectionCursor(q.cursor))
      issues.push({ path: 'cursor', message: 'cursor must be the nextCursor of a previous page' });
    if (q.from !== undefined && q.to !== undefined && Date.parse(q.from) >= Date.parse(q.to))
      issues.push({ path: 'to', message: 'to must be after from' });
    if (issues.length) throw new ValidationFailedError(issues);
    return listRejectedEvents(this.ch, {
      tenantId,
      status: q.status,
      from: q.from,
      to: q.to,
      limit: q.limit,
      cursor: q.cursor,
    });
  }
}
