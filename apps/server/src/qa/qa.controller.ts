import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDateString,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { Principal } from '@inbox/core';
import { Can, CurrentPrincipal } from '../http/auth.decorators';
import { QaService } from './qa.service';
import { CRITERION_SCALES, type CriterionScale } from './qa-score.util';

export class CriterionDto {
  @ApiProperty() @IsString() @Matches(/^[a-z0-9_]{1,40}$/) key: string;
  @ApiProperty() @IsString() @Length(1, 200) label: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(1000) description?: string;
  @ApiProperty({ minimum: 0.1, maximum: 100 }) @IsNumber() @Min(0.1) @Max(100) weight: number;
  @ApiProperty({ enum: CRITERION_SCALES }) @IsIn(CRITERION_SCALES) scale: CriterionScale;
}

export class ScorecardDto {
  @ApiProperty() @IsString() @Length(1, 200) name: string;
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @IsArray() @ArrayMaxSize(50) @IsUUID('all', { each: true }) teamIds?: string[];
  @ApiPropertyOptional({ description: 'conversations sampled per agent per week', default: 2 }) @IsOptional() @IsInt() @Min(0) @Max(50) sampleSize?: number;
  @ApiProperty({ type: [CriterionDto] }) @IsArray() @ArrayMinSize(1) @ArrayMaxSize(50) @ValidateNested({ each: true }) @Type(() => CriterionDto) criteria: CriterionDto[];
}

export class ScorecardPatchDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 200) name?: string;
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @IsArray() @ArrayMaxSize(50) @IsUUID('all', { each: true }) teamIds?: string[];
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(50) sampleSize?: number;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() archived?: boolean;
  @ApiPropertyOptional({ type: [CriterionDto] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => CriterionDto)
  criteria?: CriterionDto[];
}

export class ScoreDto {
  @ApiProperty() @IsString() @MaxLength(40) key: string;
  @ApiProperty() @IsNumber() score: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) comment?: string;
  @ApiPropertyOptional({ description: 'the message this comment is about' }) @IsOptional() @IsUUID() messageId?: string;
}

export class ReviewDto {
  @ApiProperty() @IsUUID() conversationId: string;
  @ApiProperty() @IsUUID() scorecardId: string;
  @ApiProperty({ type: [ScoreDto] }) @IsArray() @ArrayMinSize(1) @ArrayMaxSize(50) @ValidateNested({ each: true }) @Type(() => ScoreDto) scores: ScoreDto[];
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(5000) summary?: string;
}

export class QueueQuery {
  @ApiPropertyOptional({ description: 'ISO week, e.g. 2025-W14; default this week (UTC)' }) @IsOptional() @IsString() @MaxLength(8) week?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() scorecardId?: string;
}

export class QueueAddDto {
  @ApiProperty() @IsUUID() conversationId: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(8) week?: string;
}

export class ReviewsQuery {
  @ApiPropertyOptional() @IsOptional() @IsUUID() agentId?: string;
  @ApiPropertyOptional() @IsOptional() @IsDateString() from?: string;
  @ApiPropertyOptional() @IsOptional() @IsDateString() to?: string;
}

export class ReplyDto {
  @ApiProperty() @IsString() @Length(1, 5000) text: string;
}

/** QA scorecards and reviews (issue 18). Staff review; the reviewed agent reads, acknowledges and answers once. */
@ApiTags('qa')
@ApiBearerAuth()
@Controller('qa')
export class QaController {
  constructor(private readonly qa: QaService) {}

  @Can('qa.manage')
  @Post('scorecards')
  create(@Body() dto: ScorecardDto) {
    return this.qa.createScorecard(dto);
  }

  @Can('qa.review')
  @Get('scorecards')
  list() {
    return this.qa.scorecards();
  }

  @Can('qa.review')
  @Get('scorecards/:id')
  get(@Param('id', ParseUUIDPipe) id: string) {
    return this.qa.scorecard(id);
  }

  @Can('qa.manage')
  @Patch('scorecards/:id')
  update(@Param('id', ParseUUIDPipe) id: string, @Body() dto: ScorecardPatchDto) {
    return this.qa.updateScorecard(id, dto);
  }

  @Can('qa.review')
  @Get('queue')
  queue(@Query() q: QueueQuery) {
    return this.qa.queue(q.week, q.scorecardId, new Date());
  }

  @Can('qa.review')
  @Post('queue')
  add(@CurrentPrincipal() p: Principal, @Body() dto: QueueAddDto) {
    return this.qa.addToQueue(p, dto.conversationId, dto.week, new Date());
  }

  @Can('qa.review')
  @Post('reviews')
  review(@CurrentPrincipal() p: Principal, @Body() dto: ReviewDto) {
    return this.qa.submitReview(p, dto);
  }

  @Can('qa.review')
  @Get('reviews')
  reviews(@Query() q: ReviewsQuery) {
    return this.qa.reviews(q);
  }

  @Can('qa.read_own')
  @Get('reviews/mine')
  mine(@CurrentPrincipal() p: Principal) {
    return this.qa.mine(p);
  }

  @Can('qa.read_own')
  @Get('reviews/:id')
  one(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string) {
    return this.qa.review(p, id);
  }

  @Can('qa.read_own')
  @HttpCode(200)
  @Post('reviews/:id/acknowledge')
  acknowledge(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string) {
    return this.qa.acknowledge(p, id);
  }

  @Can('qa.read_own')
  @HttpCode(200)
  @Post('reviews/:id/reply')
  reply(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: ReplyDto) {
    return this.qa.reply(p, id, dto.text);
  }

  @Can('qa.review')
  @Get('trends')
  trends(@Query() q: ReviewsQuery) {
    return this.qa.trends(q.from, q.to, new Date());
  }
}
