import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';
import { CallerOf, type Caller } from '../http/auth';
import { PageQuery } from '../http/pagination';
import { CreateCustomerDto, CustomerDto, UpdateCustomerDto } from './customer.dto';
import { CustomersService } from './customers.service';

class CustomerListQuery extends PageQuery {
  @ApiPropertyOptional() @IsOptional() @IsString() externalKey?: string;
  @ApiPropertyOptional({ description: 'the customer a usage event subject belongs to' })
  @IsOptional()
  @IsString()
  subjectKey?: string;
}

@ApiTags('customers')
@ApiBearerAuth()
@Controller('v1/customers')
export class CustomersController {
  constructor(private readonly customers: CustomersService) {}

  @Post()
  @ApiOkResponse({ type: CustomerDto })
  create(@CallerOf() caller: Caller, @Body() body: CreateCustomerDto): Promise<CustomerDto> {
    return this.customers.create(caller.tenantId, body);
  }

  @Get()
  list(@CallerOf() caller: Caller, @Query() q: CustomerListQuery) {
    return this.customers.list(caller.tenantId, q, { externalKey: q.externalKey, subjectKey: q.subjectKey });
  }

  @Get(':id')
  @ApiOkResponse({ type: CustomerDto })
  get(@CallerOf() caller: Caller, @Param('id') id: string): Promise<CustomerDto> {
    return this.customers.get(caller.tenantId, id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: CustomerDto })
  update(
    @CallerOf() caller: Caller,
    @Param('id') id: string,
    @Body() body: UpdateCustomerDto,
  ): Promise<CustomerDto> {
    return this.customers.update(caller.tenantId, id, body);
  }

  @Delete(':id')
  @HttpCode(200)
  @ApiOkResponse({ type: CustomerDto, description: 'archived' })
  archive(@CallerOf() caller: Caller, @Param('id') id: string): Promise<CustomerDto> {
    return this.customers.archive(caller.tenantId, id);
  }
}
