/**
 * A TypeScript CDK app that registers cogcheck's validation plugin: the same app as the Python test app
 * (tests/fixtures/cdk_plugin/app.py), so that the two plugins' reports can be compared.
 *
 *     node app.js VARIANT        # synthesize into $CDK_OUTDIR (as `cdk synth` runs an app)
 *
 * Variants: `bad` (a deploy error in a top-level stack, in a stack of a stage and in a nested stack), `fixed` (the
 * three errors fixed), `acknowledged` (`bad` with each error acknowledged in CDK, at a construct, a nested stack and
 * a stage), `stage-only` (`bad` with the top-level stack's error fixed: errors only in the stage's stacks).
 * COGCHECK_COMMAND (JSON array) sets the plugin's `command`.
 */
import { App, IPolicyValidationPlugin, NestedStack, Stack, Stage, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { CogcheckValidation } from '../../lib';

function secureClient(
  scope: Construct, id: string, pool: cognito.IUserPool, props: Partial<cognito.CfnUserPoolClientProps>,
): cognito.CfnUserPoolClient {
  return new cognito.CfnUserPoolClient(scope, id, {
    userPoolId: pool.userPoolId,
    explicitAuthFlows: ['ALLOW_USER_SRP_AUTH'],
    preventUserExistenceErrors: 'ENABLED',
    enableTokenRevocation: true,
    readAttributes: ['email'],
    writeAttributes: ['email'],
    refreshTokenRotation: { feature: 'ENABLED', retryGracePeriodSeconds: 10 },
    ...props,
  });
}

class AuthStack extends Stack {
  constructor(scope: Construct, id: string, variant: string) {
    super(scope, id);
    const pool = new cognito.UserPool(this, 'Users');
    const web = secureClient(this, 'Web', pool, {
      // 48 hours: beyond Cognito's 1 day (COG-E001); `stage-only` keeps the errors of the stage alone
      accessTokenValidity: variant === 'fixed' || variant === 'stage-only' ? 1 : 48,
      idTokenValidity: 1,
      tokenValidityUnits: { accessToken: 'hours', idToken: 'hours', refreshToken: 'days' },
      refreshTokenValidity: 30,
    });
    if (variant === 'acknowledged') {
      Validations.of(web).acknowledge(
        { id: 'cogcheck::COG-E001', reason: 'replaced by the v2 client before release' },
      );
    }
  }
}

class ClientsStack extends NestedStack {
  constructor(scope: Construct, id: string, pool: cognito.IUserPool, variant: string) {
    super(scope, id);
    secureClient(this, 'Batch', pool, {
      refreshTokenValidity: variant === 'fixed' ? 30 : 9000, // 9000 days: beyond the 10-year maximum (COG-E003)
      tokenValidityUnits: { refreshToken: 'days' },
    });
  }
}

class ApiStack extends Stack {
  constructor(scope: Construct, id: string, variant: string) {
    super(scope, id);
    const pool = new cognito.UserPool(this, 'Pool');
    // Propagating user context data needs a client secret (COG-E023).
    secureClient(this, 'Reports', pool, {
      enablePropagateAdditionalUserContextData: true,
      generateSecret: variant === 'fixed',
    });
    const nested = new ClientsStack(this, 'Clients', pool, variant);
    if (variant === 'acknowledged') {
      Validations.of(nested).acknowledge(
        { id: 'cogcheck::COG-E003', reason: 'batch jobs re-authenticate every run' },
      );
    }
  }
}

class ProdStage extends Stage {
  constructor(scope: Construct, id: string, variant: string) {
    super(scope, id);
    new ApiStack(this, 'Api', variant);
    if (variant === 'acknowledged') {
      Validations.of(this).acknowledge(
        { id: 'cogcheck::COG-E023', reason: 'the secret is added by the rollout job' },
      );
    }
  }
}

const variant = process.argv[2] ?? 'bad';
const command = process.env.COGCHECK_COMMAND ? (JSON.parse(process.env.COGCHECK_COMMAND) as string[]) : undefined;
const app = new App();
const plugin: IPolicyValidationPlugin = new CogcheckValidation({ command }); // it has CDK's plugin shape
Validations.of(app).addPlugins(plugin);
new AuthStack(app, 'Auth', variant);
new ProdStage(app, 'Prod', variant);
app.synth();
