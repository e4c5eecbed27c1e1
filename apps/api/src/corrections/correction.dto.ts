import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsObject, IsOptional, IsString, Length } from 'class-validator';

export class VoidEventDto {
  @ApiPropertyOptional({ description: 'the event source; needed only when the id exists under several' })
  @IsOptional()
  @IsString()
  @Length(1, 1024)
  source?: string;
  @ApiProperty({ example: 'test traffic sent by mistake' }) @IsString() @Length(1, 2000) reason!: string;
}

export class AmendEventDto extends VoidEventDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 256) type?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 256) subject?: string;
  @ApiPropertyOptional({ description: 'RFC 3339' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'time must be an RFC 3339 instant' })
  time?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'replaces the data' })
  @IsOptional()
  @IsObject()
  data?: Record<string, unknown>;
}

export class CorrectionDto {
  @ApiProperty() id!: string;
  @ApiProperty() source!: string;
  @ApiProperty() eventId!: string;
  @ApiProperty({ enum: ['void', 'amend'] }) action!: string;
  @ApiProperty() reason!: string;
  @ApiProperty({ description: 'the API key id that made it' }) actor!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) changes!: Record<string, unknown>;
  @ApiProperty() createdAt!: string;
}

export class CorrectionListDto {
  @ApiProperty({ type: [CorrectionDto] }) data!: CorrectionDto[];
}
