import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CallerOf, type Caller } from '../http/auth';
import { AmendEventDto, CorrectionDto, CorrectionListDto, VoidEventDto } from './correction.dto';
import { CorrectionsService } from './corrections.service';

@ApiTags('usage')
@ApiBearerAuth()
@Controller('v1/events')
export class CorrectionsController {
  constructor(private readonly corrections: CorrectionsService) {}

  /** Void an accepted event: it stops counting everywhere; its rows stay, recorded as voided. */
  @Post(':id/void')
  @HttpCode(200)
  @ApiOkResponse({ type: CorrectionDto })
  void(
    @CallerOf() caller: Caller,
    @Param('id') id: string,
    @Body() body: VoidEventDto,
  ): Promise<CorrectionDto> {
    return this.corrections.void(caller.tenantId, caller.keyId, id, body);
  }

  /** Amend an accepted event's type, subject, time or data: usage is recomputed from the new event. */
  @Post(':id/amend')
  @HttpCode(200)
  @ApiOkResponse({ type: CorrectionDto })
  amend(
    @CallerOf() caller: Caller,
    @Param('id') id: string,
    @Body() body: AmendEventDto,
  ): Promise<CorrectionDto> {
    return this.corrections.amend(caller.tenantId, caller.keyId, id, body);
  }

  /** The corrections of an event, oldest first. */
  @Get(':id/corrections')
  @ApiQuery({ name: 'source', required: false, type: String })
  @ApiOkResponse({ type: CorrectionListDto })
  async list(
    @CallerOf() caller: Caller,
    @Param('id') id: string,
    @Query('source') source?: string,
  ): Promise<CorrectionListDto> {
    return { data: await this.corrections.list(caller.tenantId, id, source) };
  }
}
