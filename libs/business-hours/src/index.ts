export type { BusinessHours, BusinessHoursRange, Weekday } from './business-hours.types';
export { isOpen, localWallClock, parseClockTime, validateBusinessHours } from './business-hours.util';
export type { LocalWallClock } from './business-hours.util';
export { addBusinessSeconds, businessMsBetween } from './business-time.util';
