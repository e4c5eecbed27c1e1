import { Controller, Get, Headers, Param, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtraModels,
  ApiOkResponse,
  ApiQuery,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CallerOf, type Caller } from '../http/auth';
import { toCsv, wantsCsv } from './csv';
import {
  EventsQueryDto,
  MAX_FILTER_VALUES,
  MAX_GROUP_BY,
  MAX_SUBJECTS,
  MAX_WINDOWS,
  RejectedEventPageDto,
  UsageResponseDto,
} from './usage.dto';
import { UsageService } from './usage.service';

@ApiTags('usage')
@ApiBearerAuth()
@Controller('v1/meters')
export class UsageController {
  constructor(private readonly usage: UsageService) {}

  /**
   * Usage of one meter over [from, to), per window and group. The query string is decoded by the
   * service (not the global pipe) because `filter[dim]` keys have names no DTO can list. Swagger
   * lists the query decorators bottom-up: the last one here is the first parameter documented.
   */
  @ApiExtraModels(UsageResponseDto)
  @ApiOkResponse({
    description:
      'JSON, or CSV (header windowStart,windowEnd,<groupBy...>,value) for Accept: text/csv or format=csv',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(UsageResponseDto) } },
      'text/csv': { schema: { type: 'string' } },
    },
  })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'], description: 'overrides Accept' })
  @ApiQuery({
    name: 'filter',
    required: false,
    style: 'deepObject',
    explode: true,
    schema: { type: 'object', additionalProperties: { type: 'string' } },
    description: `filter[dimension]=value; repeat for several values of one dimension (at most ${MAX_FILTER_VALUES})`,
  })
  @ApiQuery({
    name: 'groupBy',
    required: false,
    type: [String],
    description: `meter dimensions and/or subject, repeated or comma-separated, at most ${MAX_GROUP_BY}`,
  })
  @ApiQuery({
    name: 'tz',
    required: false,
    type: String,
    description: 'IANA zone the windows are aligned in (default UTC)',
  })
  @ApiQuery({
    name: 'window',
    required: false,
    enum: ['MINUTE', 'HOUR', 'DAY', 'MONTH'],
    description: `at most ${MAX_WINDOWS.toLocaleString('en-US')} windows per request`,
  })
  @ApiQuery({ name: 'to', required: true, type: String, description: 'RFC 3339 instant (exclusive)' })
  @ApiQuery({ name: 'from', required: true, type: String, description: 'RFC 3339 instant (inclusive)' })
  @ApiQuery({
    name: 'subject',
    required: false,
    type: [String],
    description: `event subject; repeat for several, at most ${MAX_SUBJECTS}; not with customer`,
  })
  @ApiQuery({
    name: 'customer',
    required: false,
    type: String,
    description: 'customer id (cus_...) or external key',
  })
  @Get(':idOrKey/usage')
  async get(
    @CallerOf() caller: Caller,
    @Param('idOrKey') idOrKey: string,
    @Query() raw: Record<string, unknown>,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<UsageResponseDto | string> {
    const parsed = this.usage.parse(raw);
    const answer = await this.usage.usage(caller.tenantId, idOrKey, parsed);
    if (!wantsCsv(parsed.query.format, accept)) return answer;
    void reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="usage-${answer.meter.key}.csv"`);
    return toCsv(
      ['windowStart', 'windowEnd', ...answer.groupBy, 'value'],
      answer.data.map((r) => [
        r.windowStart,
        r.windowEnd,
        ...answer.groupBy.map((g) => r.groups[g] ?? ''),
        r.value,
      ]),
    );
  }
}

@ApiTags('usage')
@ApiBearerAuth()
@Controller('v1/events')
export class EventsController {
  constructor(private readonly usage: UsageService) {}

  /** Events refused by the collector, the deduplicator or the rater, newest first. */
  @Get()
  @ApiOkResponse({ type: RejectedEventPageDto })
  list(@CallerOf() caller: Caller, @Query() q: EventsQueryDto): Promise<RejectedEventPageDto> {
    return this.usage.rejected(caller.tenantId, q);
  }
}
