import { PasswordResetController } from './password-reset.controller';
import { PasswordResetRepository } from './password-reset.repository';
import { PasswordResetService } from './password-reset.service';
import { SystemMailer } from './system-mailer';

/** "Forgot password" by email (issue 20), registered by AppModule in one line each. */
export const PASSWORD_RESET_CONTROLLERS = [PasswordResetController];
export const PASSWORD_RESET_PROVIDERS = [PasswordResetRepository, PasswordResetService, SystemMailer];
