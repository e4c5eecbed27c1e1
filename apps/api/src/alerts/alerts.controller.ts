import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CallerOf, type Caller } from '../http/auth';
import { PageQuery } from '../http/pagination';
import { AlertDto, AlertListQuery, CreateAlertDto, UpdateAlertDto } from './alert.dto';
import { AlertsService } from './alerts.service';

@ApiTags('alerts')
@ApiBearerAuth()
@Controller('v1/alerts')
export class AlertsController {
  constructor(private readonly alerts: AlertsService) {}

  /** A usage or spend threshold on a subscription's running period; fires once per period. */
  @Post()
  @ApiOkResponse({ type: AlertDto })
  create(@CallerOf() caller: Caller, @Body() body: CreateAlertDto): Promise<AlertDto> {
    return this.alerts.create(caller.tenantId, body);
  }

  @Get()
  list(@CallerOf() caller: Caller, @Query() q: AlertListQuery) {
    return this.alerts.list(caller.tenantId, q);
  }

  @Get(':id')
  @ApiOkResponse({ type: AlertDto })
  get(@CallerOf() caller: Caller, @Param('id') id: string): Promise<AlertDto> {
    return this.alerts.get(caller.tenantId, id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: AlertDto })
  update(
    @CallerOf() caller: Caller,
    @Param('id') id: string,
    @Body() body: UpdateAlertDto,
  ): Promise<AlertDto> {
    return this.alerts.update(caller.tenantId, id, body);
  }

  @Delete(':id')
  @HttpCode(200)
  @ApiOkResponse({ type: AlertDto, description: 'deleted' })
  remove(@CallerOf() caller: Caller, @Param('id') id: string): Promise<AlertDto> {
    return this.alerts.remove(caller.tenantId, id);
  }

  /** When it fired, per period, with the value measured and whether the event was published. */
  @Get(':id/firings')
  firings(@CallerOf() caller: Caller, @Param('id') id: string, @Query() page: PageQuery) {
    return this.alerts.firings(caller.tenantId, id, page);
  }
}
