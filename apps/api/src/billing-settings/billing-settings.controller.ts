import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CallerOf, type Caller } from '../http/auth';
import { BillingSettingsDto, PutBillingSettingsDto } from './billing-settings.dto';
import { BillingSettingsService } from './billing-settings.service';

@ApiTags('invoices')
@ApiBearerAuth()
@Controller('v1/billing-settings')
export class BillingSettingsController {
  constructor(private readonly settings: BillingSettingsService) {}

  /** The seller on every invoice, the grace period, number formats and payment terms. */
  @Get()
  @ApiOkResponse({ type: BillingSettingsDto })
  get(@CallerOf() caller: Caller): Promise<BillingSettingsDto> {
    return this.settings.get(caller.tenantId);
  }

  /** Sets the fields given; the others keep their value. */
  @Put()
  @ApiOkResponse({ type: BillingSettingsDto })
  put(@CallerOf() caller: Caller, @Body() body: PutBillingSettingsDto): Promise<BillingSettingsDto> {
    return this.settings.put(caller.tenantId, body);
  }
}
