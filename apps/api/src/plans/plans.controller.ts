import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CallerOf, type Caller } from '../http/auth';
import { PageQuery } from '../http/pagination';
import { CreatePlanDto, PlanDto, PlanVersionDto, PlanVersionInputDto, UpdatePlanDto } from './plan.dto';
import { PlansService } from './plans.service';

@ApiTags('plans')
@ApiBearerAuth()
@Controller('v1/plans')
export class PlansController {
  constructor(private readonly plans: PlansService) {}

  @Post()
  @ApiOkResponse({ type: PlanDto })
  create(@CallerOf() c: Caller, @Body() body: CreatePlanDto): Promise<PlanDto> {
    return this.plans.create(c.tenantId, body);
  }

  @Get()
  list(@CallerOf() c: Caller, @Query() page: PageQuery) {
    return this.plans.list(c.tenantId, page);
  }

  @Get(':plan')
  @ApiOkResponse({ type: PlanDto })
  get(@CallerOf() c: Caller, @Param('plan') plan: string): Promise<PlanDto> {
    return this.plans.get(c.tenantId, plan);
  }

  @Patch(':plan')
  @ApiOkResponse({ type: PlanDto })
  update(@CallerOf() c: Caller, @Param('plan') plan: string, @Body() body: UpdatePlanDto): Promise<PlanDto> {
    return this.plans.update(c.tenantId, plan, body);
  }

  @Post(':plan/versions')
  @ApiOkResponse({ type: PlanVersionDto })
  createVersion(
    @CallerOf() c: Caller,
    @Param('plan') plan: string,
    @Body() body: PlanVersionInputDto,
  ): Promise<PlanVersionDto> {
    return this.plans.createVersion(c.tenantId, plan, body);
  }

  @Get(':plan/versions/:version')
  @ApiOkResponse({ type: PlanVersionDto })
  getVersion(
    @CallerOf() c: Caller,
    @Param('plan') plan: string,
    @Param('version') version: string,
  ): Promise<PlanVersionDto> {
    return this.plans.getVersion(c.tenantId, plan, version);
  }

  @Put(':plan/versions/:version')
  @ApiOkResponse({ type: PlanVersionDto })
  replaceVersion(
    @CallerOf() c: Caller,
    @Param('plan') plan: string,
    @Param('version') version: string,
    @Body() body: PlanVersionInputDto,
  ): Promise<PlanVersionDto> {
    return this.plans.replaceVersion(c.tenantId, plan, version, body);
  }

  @Delete(':plan/versions/:version')
  @HttpCode(204)
  deleteDraft(
    @CallerOf() c: Caller,
    @Param('plan') plan: string,
    @Param('version') version: string,
  ): Promise<void> {
    return this.plans.deleteDraft(c.tenantId, plan, version);
  }

  @Post(':plan/versions/:version/publish')
  @HttpCode(200)
  @ApiOkResponse({ type: PlanVersionDto })
  publish(
    @CallerOf() c: Caller,
    @Param('plan') plan: string,
    @Param('version') version: string,
  ): Promise<PlanVersionDto> {
    return this.plans.publish(c.tenantId, plan, version);
  }

  @Post(':plan/versions/:version/archive')
  @HttpCode(200)
  @ApiOkResponse({ type: PlanVersionDto })
  archive(
    @CallerOf() c: Caller,
    @Param('plan') plan: string,
    @Param('version') version: string,
  ): Promise<PlanVersionDto> {
    return this.plans.archiveVersion(c.tenantId, plan, version);
  }
}
