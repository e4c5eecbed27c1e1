import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CallerOf, type Caller } from '../http/auth';
import { PageQuery } from '../http/pagination';
import { CreateMeterDto, MeterDto, UpdateMeterDto } from './meter.dto';
import { MetersService } from './meters.service';

@ApiTags('meters')
@ApiBearerAuth()
@Controller('v1/meters')
export class MetersController {
  constructor(private readonly meters: MetersService) {}

  @Post()
  @ApiOkResponse({ type: MeterDto })
  create(@CallerOf() caller: Caller, @Body() body: CreateMeterDto): Promise<MeterDto> {
    return this.meters.create(caller.tenantId, body);
  }

  @Get()
  list(@CallerOf() caller: Caller, @Query() page: PageQuery) {
    return this.meters.list(caller.tenantId, page);
  }

  @Get(':idOrKey')
  @ApiOkResponse({ type: MeterDto })
  get(@CallerOf() caller: Caller, @Param('idOrKey') idOrKey: string): Promise<MeterDto> {
    return this.meters.get(caller.tenantId, idOrKey);
  }

  @Patch(':idOrKey')
  @ApiOkResponse({ type: MeterDto })
  update(
    @CallerOf() caller: Caller,
    @Param('idOrKey') idOrKey: string,
    @Body() body: UpdateMeterDto,
  ): Promise<MeterDto> {
    return this.meters.update(caller.tenantId, idOrKey, body);
  }

  @Delete(':idOrKey')
  @HttpCode(200)
  @ApiOkResponse({ type: MeterDto, description: 'archived' })
  archive(@CallerOf() caller: Caller, @Param('idOrKey') idOrKey: string): Promise<MeterDto> {
    return this.meters.archive(caller.tenantId, idOrKey);
  }
}
