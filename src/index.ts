/**
 * The CI/CD pipeline of the FaultMaven Auth Service, as a Dagger module.
 *
 * Every function is a thin wire between Dagger and the stages in src/stages; every decision
 * (verdicts, tags, reports) lives in src/core. Run `dagger functions` for the list.
 */
import { argument, type Container, type Directory, func, object, type Secret } from "@dagger.io/dagger";

import { SettingsError } from "./core/errors.js";
import type { SourceStage } from "./core/layout.js";
import { assertRunPassed } from "./core/report.js";
import type { PipelineSettings, RawSettings } from "./core/settings.js";
import { ciStage } from "./stages/ci.js";
import { buildImage, verifyImage } from "./stages/image.js";
import { lintStage } from "./stages/lint.js";
import { reportsOrThrow, type StageOutcome } from "./stages/outcome.js";
import { pythonWithDevRequirements } from "./stages/python.js";
import { scanImageStage, scanSourceStage } from "./stages/scan.js";
import { prepareSnyk, snykStage } from "./stages/snyk.js";
import {
  appVersionOf,
  deployStage,
  migrateStage,
  planStage,
  publishStage,
  rollbackStage,
  smokeStage,
} from "./stages/deploy.js";
import { rehearsalStage } from "./stages/rehearsal.js";
import { releaseStage, type ReleaseImage } from "./stages/release.js";
import { verifiedImage } from "./stages/verified-image.js";
import { loadSettings } from "./stages/source.js";
import { testStage } from "./stages/test.js";
import { codecovStage, prepareUploads } from "./stages/uploads.js";

@object()
export class FaultmavenAuthPipeline {
  source: Directory;
  pythonVersion?: string;
  packageName?: string;
  coverageThreshold?: number;
  imageSizeLimitMb?: number;
  flake8MaxLineLength?: number;
  trivySeverities?: string;
  pythonImage?: string;
  postgresImage?: string;
  redisImage?: string;
  trivyImage?: string;
  trivyDbRepository?: string;
  gitImage?: string;
  trivyIgnoreUnfixed?: boolean;
  skopeoImage?: string;

  /**
   * Settings come from these arguments, else from the service's own `[tool.faultmaven-pipeline]`
   * table in its pyproject.toml (kebab-case keys: python-version, package, coverage-threshold,
   * image-size-limit-mb, flake8-max-line-length, trivy-severities, trivy-ignore-unfixed), else from the defaults below.
   *
   * @param source The service repository: its Python package, tests/, requirements-dev.txt, Dockerfile, and deploy/environments.json with deploy/task-definition.json (else the module's dagger/ descriptors apply). Default: the bundled example service.
   * @param pythonVersion Python version of the lint and test containers. Default: "3.11".
   * @param packageName The service's Python package (linted, type-checked, covered). Default: "enterprise".
   * @param coverageThreshold Minimum unit-test coverage of the package (statements and branches, as pytest-cov's --cov-fail-under counts it), in percent (0-100). Default: 70.
   * @param imageSizeLimitMb Largest allowed image: uncompressed size of its layers, in MB. Default: 500.
   * @param flake8MaxLineLength flake8 --max-line-length. Default: 100.
   * @param trivySeverities Comma-separated severities that fail a Trivy scan. Default: "CRITICAL,HIGH".
   * @param pythonImage Python image for lint, tests and the Dockerfile's PYTHON_IMAGE build argument. Default: python:3.11-slim pinned by digest.
   * @param postgresImage Postgres image of the test service. Default: postgres:15-alpine pinned by digest.
   * @param redisImage Redis image of the test service. Default: redis:7-alpine pinned by digest.
   * @param trivyImage Trivy scanner image. Default: aquasec/trivy pinned by digest.
   * @param trivyDbRepository OCI repository of Trivy's vulnerability DB, for a mirror (air-gapped runners). Default: Trivy's own.
   * @param gitImage Image with git that reads the release repository's tags and history. Default: alpine/git pinned by digest.
   * @param trivyIgnoreUnfixed Trivy --ignore-unfixed: vulnerabilities without a fixed version do not fail the scans. Default: false.
   * @param skopeoImage Image with skopeo that copies the verified image to Docker Hub byte for byte in a release. Default: quay.io/skopeo/stable pinned by digest.
   */
  constructor(
    @argument({ defaultPath: "/examples/auth-service", ignore: [".git", "**/.venv", "**/__pycache__"] })
    source: Directory,
    pythonVersion?: string,
    packageName?: string,
    coverageThreshold?: number,
    imageSizeLimitMb?: number,
    flake8MaxLineLength?: number,
    trivySeverities?: string,
    pythonImage?: string,
    postgresImage?: string,
    redisImage?: string,
    trivyImage?: string,
    trivyDbRepository?: string,
    gitImage?: string,
    trivyIgnoreUnfixed?: boolean,
    skopeoImage?: string,
  ) {
    this.source = source;
    this.pythonVersion = pythonVersion;
    this.packageName = packageName;
    this.coverageThreshold = coverageThreshold;
    this.imageSizeLimitMb = imageSizeLimitMb;
    this.flake8MaxLineLength = flake8MaxLineLength;
    this.trivySeverities = trivySeverities;
    this.pythonImage = pythonImage;
    this.postgresImage = postgresImage;
    this.redisImage = redisImage;
    this.trivyImage = trivyImage;
    this.trivyDbRepository = trivyDbRepository;
    this.gitImage = gitImage;
    this.trivyIgnoreUnfixed = trivyIgnoreUnfixed;
    this.skopeoImage = skopeoImage;
  }

  /**
   * Lint the service: black --check, isort --check-only, flake8, mypy and bandit -ll, run
   * concurrently; all five always run and a failure lists every failing tool with its output.
   * Returns lint/<tool>.txt.
   *
   * Example usage: dagger call lint export --path=reports
   *
   * Cache: the default: the verdict is a function of the source and the images alone.
   *
   * @param failOnError Fail when a linter fails. With false, return the reports anyway.
   */
  @func()
  async lint(failOnError = true): Promise<Directory> {
    const settings = await this.settings(["lint"]);
    const python = pythonWithDevRequirements(this.source, settings);
    return this.finish("lint", await lintStage(python, settings, await this.source.exists("tests")), failOnError);
  }

  /**
   * Run the unit (with coverage threshold), integration and security test suites at once, each on its own database,
   * against Postgres 15 and Redis 7 service containers. Returns tests/junit-<suite>.xml and
   * tests/coverage.xml. With a Codecov token, uploads the coverage (even when tests failed) with
   * Codecov's own uploader; the test verdict is printed first, and an upload failure is a warning.
   *
   * Example usage: dagger call test --fail-on-error=false export --path=reports
   *
   * Cache: never served from the function cache (it may upload coverage); unchanged suites are replayed from the
   * layer cache.
   *
   * @param failOnError Fail when a suite fails or coverage is below the threshold. With false, return the reports anyway.
   * @param codecovToken Codecov upload token (CODECOV_TOKEN). Empty or absent: no upload.
   * @param githubRepository owner/repo the coverage belongs to ($GITHUB_REPOSITORY). Needed with a token.
   * @param gitSha Full sha of the tested commit ($GITHUB_SHA). Needed with a token.
   * @param gitRef Full ref of the tested commit ($GITHUB_REF). Needed with a token.
   * @param codecovUrl Codecov's URL, for self-hosted Codecov. Default: "https://codecov.io".
   * @param strictUploads Fail when the Codecov upload fails. Default: false (a warning).
   */
  @func({ cache: "never" })
  async test(
    failOnError = true,
    codecovToken?: Secret,
    githubRepository?: string,
    gitSha?: string,
    gitRef?: string,
    codecovUrl?: string,
    strictUploads = false,
  ): Promise<Directory> {
    const uploads = await prepareUploads({ codecovToken, githubRepository, gitSha, gitRef, codecovUrl, strictUploads });
    const settings = await this.settings(["test"]);
    const python = pythonWithDevRequirements(this.source, settings);
    const outcome = await testStage(python, settings);
    console.log(`[test] ${outcome.error ? "FAILED" : "passed"}: ${outcome.summary.split("\n")[0]}`);
    const upload = await codecovStage(outcome.reports, uploads, settings.images.python);
    console.log(`[test] ${upload.name} ${upload.status}: ${upload.summary}`);
    const reports = this.finish("test", outcome, failOnError); // the test verdict wins over the upload's
    if (upload.status === "failed" && failOnError) throw new Error(upload.summary);
    return reports;
  }

  /**
   * Trivy filesystem scan of the source (vulnerabilities and secrets at the configured
   * severities, .trivyignore or .trivyignore.yaml respected). Returns scan/trivy-fs-*.json and
   * .sarif. "Vulnerabilities found" and "the scanner failed" are different errors.
   *
   * Example usage: dagger call scan export --path=reports
   *
   * Cache: never served from the function cache. Each call asks the DB repository for the digest it
   * serves now; the Trivy run is replayed only for the same source and that same DB digest, and a
   * new DB replaces the cached one before the scan. A verdict from an older DB is never replayed.
   *
   * @param failOnError Fail on findings or on a scanner failure. With false, return the reports anyway.
   */
  @func({ cache: "never" })
  async scan(failOnError = true): Promise<Directory> {
    const settings = await this.settings(["scan"]);
    return this.finish("scan", await scanSourceStage(this.source, settings), failOnError);
  }

  /**
   * Rehearse the migrations on a throwaway Postgres: alembic upgrade head, downgrade base, upgrade
   * head again (each downgrade must restore the schema its parent revision left); where the
   * service's env.py gives alembic a target_metadata, also `alembic check` (the models match the
   * migrated schema). Fails naming the revision. Returns migrations/rehearsal.log.
   *
   * Example usage: dagger call rehearse-migrations
   *
   * Cache: the default: the verdict is a function of the source and the images alone.
   *
   * @param failOnError Fail when the rehearsal fails. With false, return the log anyway.
   */
  @func()
  async rehearseMigrations(failOnError = true): Promise<Directory> {
    const settings = await this.settings(["rehearsal"]);
    const python = pythonWithDevRequirements(this.source, settings);
    return this.finish("migration-rehearsal", await rehearsalStage(python, settings), failOnError);
  }

  /**
   * Snyk's test of the service's requirements.txt, the spec's optional SNYK_TOKEN scan: high and
   * critical issues fail; the ignores of the service's .snyk apply, as with `snyk test`. Returns
   * scan/snyk.json (Snyk's answer). `ci` runs the same stage when given --snyk-token.
   *
   * Example usage: dagger call snyk --snyk-token=env:SNYK_TOKEN export --path=reports
   *
   * Cache: never served from the function cache: Snyk's advisories change on its side.
   *
   * @param snykToken Snyk API token (SNYK_TOKEN).
   * @param failOnError Fail on high or critical issues or when Snyk gives no verdict. With false, return the reports anyway.
   * @param snykOrg Snyk organisation id to test under. Default: the token's default organisation.
   * @param snykApiUrl Snyk API base URL (a regional or private endpoint). Default: "https://api.snyk.io/v1".
   */
  @func({ cache: "never" })
  async snyk(snykToken: Secret, failOnError = true, snykOrg?: string, snykApiUrl?: string): Promise<Directory> {
    const { token, ...options } = await prepareSnyk(snykToken, snykOrg, snykApiUrl);
    if (!token) throw new SettingsError("--snyk-token is empty: give Snyk's API token (SNYK_TOKEN)");
    return this.finish("snyk", await snykStage(this.source, { ...options, token }), failOnError);
  }

  /**
   * Build the service's Dockerfile and check the image: its size against the limit and
   * `alembic --version` inside it. Returns the image.
   *
   * Example usage: dagger call build export --path=image.tar
   *
   * Cache: the default: the image is a function of the source, the app version and the images alone.
   *
   * @param appVersion Version baked into the image (build argument APP_VERSION, served by GET /).
   */
  @func()
  async build(appVersion = "dev"): Promise<Container> {
    const settings = await this.settings(["build"]);
    const image = buildImage(this.source, settings, appVersion);
    console.log(`[build] ${await verifyImage(image, settings)}`);
    return image;
  }

  /**
   * Build the image and scan it with Trivy before anything is pushed. Returns
   * scan/trivy-image-*.json and .sarif.
   *
   * Example usage: dagger call scan-image export --path=reports
   *
   * Cache: never served from the function cache, as `scan`: the image's Trivy run is replayed only
   * for the same image and the DB digest the repository serves at call time.
   *
   * @param appVersion Version baked into the image.
   * @param failOnError Fail on findings or on a scanner failure. With false, return the reports anyway.
   */
  @func({ cache: "never" })
  async scanImage(appVersion = "dev", failOnError = true): Promise<Directory> {
    const settings = await this.settings(["build", "scan"]);
    const image = await this.build(appVersion);
    return this.finish("scan-image", await scanImageStage(image, this.source, settings), failOnError);
  }

  /**
   * The whole CI: lint, test, scan, Snyk (given a token), the migration rehearsal, and build (size and alembic checks)
   * followed by the image scan, all started at once; then, when their tokens are given, coverage to Codecov and SARIF
   * to GitHub code scanning (an upload failure is a warning unless --strict-uploads). Prints a summary table of every
   * stage (status, duration) and fails naming every failed stage. Returns every stage's reports plus summary.md and summary.json.
   *
   * Example usage: dagger call ci export --path=reports
   *
   * Cache: never served from the function cache (it uploads, and its scans must see the current
   * vulnerability DB); unchanged steps inside are replayed from the layer cache.
   *
   * @param appVersion Version baked into the image.
   * @param failOnError Fail when any stage failed. With false, return the reports anyway.
   * @param codecovToken Codecov upload token (CODECOV_TOKEN). Empty or absent: no upload.
   * @param githubToken GitHub token allowed to upload SARIF (security-events: write). Empty or absent: no upload.
   * @param githubRepository owner/repo the reports belong to ($GITHUB_REPOSITORY). Needed with a token.
   * @param gitSha Full sha of the tested commit ($GITHUB_SHA). Needed with a token.
   * @param gitRef Full ref of the tested commit ($GITHUB_REF). Needed with a token.
   * @param githubApiUrl GitHub's REST API root; GitHub Enterprise Server: https://HOST/api/v3. Default: "https://api.github.com".
   * @param codecovUrl Codecov's URL, for self-hosted Codecov. Default: "https://codecov.io".
   * @param strictUploads Fail the run when an upload fails. Default: false (a warning in the summary).
   * @param snykToken Snyk API token (SNYK_TOKEN): runs Snyk's test of requirements.txt; high and critical issues fail. Empty or absent: the stage is skipped.
   * @param snykOrg Snyk organisation id to test under. Default: the token's default organisation.
   * @param snykApiUrl Snyk API base URL (a regional or private endpoint). Default: "https://api.snyk.io/v1".
   */
  @func({ cache: "never" })
  async ci(
    appVersion = "dev",
    failOnError = true,
    codecovToken?: Secret,
    githubToken?: Secret,
    githubRepository?: string,
    gitSha?: string,
    gitRef?: string,
    githubApiUrl?: string,
    codecovUrl?: string,
    strictUploads = false,
    snykToken?: Secret,
    snykOrg?: string,
    snykApiUrl?: string,
  ): Promise<Directory> {
    const target = { githubRepository, gitSha, gitRef, githubApiUrl, codecovUrl, strictUploads };
    const uploads = await prepareUploads({ codecovToken, githubToken, ...target });
    const snyk = await prepareSnyk(snykToken, snykOrg, snykApiUrl);
    const settings = await this.settings(["lint", "test", "scan", "build"]);
    const run = await ciStage(this.source, settings, { appVersion, uploads, snyk, log: (line) => console.log(line) });
    console.log(await run.reports.file("summary.md").contents());
    if (failOnError) assertRunPassed(run.report);
    return run.reports;
  }

  /**
   * Release a version: the tag must exist on the released commit and the service's __version__
   * must equal it; the changelog comes from Conventional Commits since the previous tag; the image
   * (with AWS access: the digest staging verified and production runs, copied by digest) is pushed to
   * Docker Hub (X.Y.Z, plus latest unless it is a pre-release; an existing X.Y.Z is never moved), the
   * GitHub release is created (or updated on a rerun) and the Docker Hub description updated from the
   * service's file. Returns the JSON report.
   *
   * Example usage: dagger call release --version=v1.2.3 --github-token=env:GITHUB_TOKEN --docker-username=env:DOCKER_USERNAME --docker-password=env:DOCKER_PASSWORD
   *
   * Cache: never (it reads and writes GitHub and Docker Hub).
   *
   * @param version The release tag: vMAJOR.MINOR.PATCH, or vMAJOR.MINOR.PATCH-pre for a pre-release (v1.2.3-rc.1).
   * @param githubToken GitHub token allowed to write releases (GITHUB_TOKEN with contents: write).
   * @param dockerUsername Docker Hub user (DOCKER_USERNAME).
   * @param dockerPassword Docker Hub password or access token (DOCKER_PASSWORD).
   * @param repo The git repository WITH its .git directory (history and tags). Default: the repository root.
   * @param githubRepository GitHub owner/repo of the release. Default: "faultmaven/fm-auth-service".
   * @param dockerHubRepository Docker Hub namespace/name of the image. Default: "faultmaven/fm-auth-service".
   * @param versionFile File holding __version__ = "X.Y.Z", relative to the repository root. Default: "enterprise/main.py".
   * @param dryRun Run every check and build the notes, but push and write nothing. Default: false.
   * @param descriptionFile The service's file (at the tagged commit, relative to the repository root) that becomes the Docker Hub description. Default: "README.md".
   * @param githubApiUrl GitHub's REST API root; GitHub Enterprise Server: https://HOST/api/v3. Default: "https://api.github.com".
   * @param awsRoleArn With AWS access, the image is the digest staging verified for the tagged commit, copied by digest from the production ECR repository (what production runs); without, it is built here. Role to assume with a GitHub OIDC token.
   * @param awsWebIdentityToken The GitHub OIDC token for awsRoleArn.
   * @param awsAccessKeyId AWS access key id (instead of awsRoleArn), to copy the verified digest.
   * @param awsSecretAccessKey AWS secret access key.
   * @param awsEndpointUrl Endpoint for every AWS client (e.g. moto). Default: AWS's own (no environment variable is read).
   * @param dockerRegistry Registry host the image is pushed to, logged in with dockerUsername and dockerPassword: Docker Hub, or a registry that stands for it. Default: "docker.io".
   * @param dockerHubApiUrl Docker Hub's API root (login, the existing-tag check, the description). Default: "https://hub.docker.com".
   */
  @func({ cache: "never" })
  async release(
    version: string,
    githubToken: Secret,
    dockerUsername: Secret,
    dockerPassword: Secret,
    @argument({ defaultPath: "/", ignore: ["**/node_modules", "**/.venv"] }) repo: Directory,
    githubRepository = "faultmaven/fm-auth-service",
    dockerHubRepository = "faultmaven/fm-auth-service",
    versionFile = "enterprise/main.py",
    dryRun = false,
    descriptionFile = "README.md",
    githubApiUrl?: string,
    awsRoleArn?: string,
    awsWebIdentityToken?: Secret,
    awsAccessKeyId?: Secret,
    awsSecretAccessKey?: Secret,
    awsEndpointUrl?: string,
    dockerRegistry?: string,
    dockerHubApiUrl?: string,
  ): Promise<string> {
    const aws = {
      awsRoleArn,
      awsWebIdentityToken,
      awsAccessKeyId,
      awsSecretAccessKey,
      awsEndpointUrl,
      source: this.source,
    };
    // Built here, APP_VERSION is the tag itself (v1.2.3), as production's task sets it.
    const image = async (commit: string): Promise<ReleaseImage> =>
      awsRoleArn || awsAccessKeyId
        ? { verified: await verifiedImage(aws, commit) }
        : { built: await this.build(version) };
    const { images } = await this.settings([]);
    const report = await releaseStage({
      version,
      repo,
      gitImage: images.git,
      skopeoImage: images.skopeo,
      image,
      githubToken,
      dockerUsername,
      dockerPassword,
      githubRepository,
      dockerHubRepository,
      versionFile,
      dryRun,
      descriptionFile,
      ...(githubApiUrl ? { githubApiUrl } : {}),
      ...(dockerRegistry ? { registry: dockerRegistry } : {}),
      ...(dockerHubApiUrl ? { dockerHubApiUrl } : {}),
    });
    return JSON.stringify(report, null, 2);
  }

  /**
   * Scan the image, then push it to the environment's ECR repository (login via ECR GetAuthorizationToken)
   * under its tags: staging-<git sha>, or vX.Y.Z and latest. Returns the image by digest: repo@sha256:...
   *
   * Example usage: dagger call publish --env=staging --git-sha=$(git rev-parse HEAD) --aws-access-key-id=env:AWS_ACCESS_KEY_ID --aws-secret-access-key=env:AWS_SECRET_ACCESS_KEY
   *
   * Cache: never (it pushes to ECR).
   *
   * @param env Target environment, exactly "staging" or "production".
   * @param version Release tag vMAJOR.MINOR.PATCH[-pre]; required for production.
   * @param gitSha Commit being published (7-40 hex); required for staging (tag staging-<sha>).
   * @param awsAccessKeyId AWS access key id (or use awsRoleArn + awsWebIdentityToken).
   * @param awsSecretAccessKey AWS secret access key.
   * @param awsSessionToken AWS session token, for temporary keys.
   * @param awsRoleArn Role to assume with a GitHub OIDC token (no long-lived keys).
   * @param awsWebIdentityToken The GitHub OIDC token for awsRoleArn.
   * @param awsEndpointUrl Endpoint for every AWS client (e.g. moto). Default: AWS's own (no environment variable is read).
   */
  @func({ cache: "never" })
  async publish(
    env: string,
    version?: string,
    gitSha?: string,
    awsAccessKeyId?: Secret,
    awsSecretAccessKey?: Secret,
    awsSessionToken?: Secret,
    awsRoleArn?: string,
    awsWebIdentityToken?: Secret,
    awsEndpointUrl?: string,
  ): Promise<string> {
    const appVersion = await appVersionOf({ source: this.source, env, version, gitSha });
    await this.scanImage(appVersion);
    const aws = {
      awsAccessKeyId,
      awsSecretAccessKey,
      awsSessionToken,
      awsRoleArn,
      awsWebIdentityToken,
      awsEndpointUrl,
      source: this.source,
    };
    return publishStage({ env, version, gitSha, ...aws }, await this.build(appVersion));
  }

  /**
   * Deploy to ECS: preflight (account, service ACTIVE and idle, container, secrets, ECR tags) → record what serves →
   * scan, build and push by digest (production: promote the digest staging verified for --git-sha) → register the revision → migrate (alembic upgrade head as
   * a one-off task) → rolling update (200%/100%, circuit breaker) → wait, streaming events → verify the deployment is
   * still PRIMARY → smoke /health, /ready, / → on failure roll back to the recorded revision → Slack. Returns the
   * JSON deploy report; fails with it unless the outcome is "succeeded".
   *
   * Example usage: dagger call deploy --env=production --version=v1.2.3 --git-sha=$(git rev-parse v1.2.3^{commit}) --git-ref=refs/tags/v1.2.3 --aws-role-arn=arn:aws:iam::123456789012:role/deploy --aws-web-identity-token=env:ACTIONS_ID_TOKEN
   *
   * Cache: never (it changes the service).
   *
   * @param env Target environment, exactly "staging" or "production".
   * @param version Release tag vX.Y.Z; required for production (pre-releases only to staging).
   * @param gitSha Commit deployed; required. Staging: 7-40 hex (image tag staging-<sha>; the full 40 hex also tags the digest verified-staging-<sha> once the smoke checks pass). Production: the full sha the release tag points to, whose verified digest is deployed.
   * @param gitRef Ref that triggered the deploy; staging accepts refs/heads/main, production refs/tags/<version>. Default: not checked.
   * @param promoteDigest Deploy this sha256: digest already in ECR instead of building; in production it must be the one staging verified.
   * @param migration "upgrade head", "downgrade -1", "downgrade <rev>" or "none". Default: "upgrade head".
   * @param awsAccessKeyId AWS access key id (or use awsRoleArn + awsWebIdentityToken).
   * @param awsSecretAccessKey AWS secret access key.
   * @param awsSessionToken AWS session token, for temporary keys.
   * @param awsRoleArn Role to assume with a GitHub OIDC token (no long-lived keys).
   * @param awsWebIdentityToken The GitHub OIDC token for awsRoleArn.
   * @param awsEndpointUrl Endpoint for every AWS client (e.g. moto). Default: AWS's own (no environment variable is read).
   * @param slackWebhook Slack incoming-webhook URL; one summary per deploy. Default: no notification.
   * @param smokeUrl Base URL for the smoke checks. Default: the environment's public URL.
   * @param rolloutTimeoutSeconds Longest wait for the rollout to be steady, 60..21600. Default: 900.
   * @param migrationTimeoutSeconds Longest wait for the migration task to stop (then it is stopped), 60..21600. Default: 900.
   * @param rollbackTimeoutSeconds Longest wait for an automatic rollback to be steady, 60..21600. Default: 900.
   * @param lockTable DynamoDB table of the deploy lock (see docs/deploy.md). Default: the environment's lockTable, else no lock.
   */
  @func({ cache: "never" })
  async deploy(
    env: string,
    version?: string,
    gitSha?: string,
    gitRef?: string,
    promoteDigest?: string,
    migration?: string,
    awsAccessKeyId?: Secret,
    awsSecretAccessKey?: Secret,
    awsSessionToken?: Secret,
    awsRoleArn?: string,
    awsWebIdentityToken?: Secret,
    awsEndpointUrl?: string,
    slackWebhook?: Secret,
    smokeUrl?: string,
    rolloutTimeoutSeconds?: number,
    migrationTimeoutSeconds?: number,
    rollbackTimeoutSeconds?: number,
    lockTable?: string,
  ): Promise<string> {
    const appVersion = await appVersionOf({ source: this.source, env, version, gitSha, gitRef });
    const aws = {
      awsAccessKeyId,
      awsSecretAccessKey,
      awsSessionToken,
      awsRoleArn,
      awsWebIdentityToken,
      awsEndpointUrl,
      source: this.source,
    };
    const args = {
      env,
      version,
      gitSha,
      gitRef,
      promoteDigest,
      migration,
      slackWebhook,
      smokeUrl,
      rolloutTimeoutSeconds,
      migrationTimeoutSeconds,
      rollbackTimeoutSeconds,
      lockTable,
      ...aws,
    };
    // The image is built and scanned only when the core decides to push (not for a promotion or a rerun).
    return deployStage(args, async () => {
      await this.scanImage(appVersion);
      return this.build(appVersion);
    });
  }

  /**
   * What deploy would change (image and tags, task definition diff, migration, rollout), with no side effect.
   *
   * Example usage: dagger call plan --env=staging --git-sha=$(git rev-parse HEAD) --aws-access-key-id=env:AWS_ACCESS_KEY_ID --aws-secret-access-key=env:AWS_SECRET_ACCESS_KEY
   *
   * Cache: never (it reads what serves now: a plan from an older state would mislead).
   *
   * @param env Target environment, exactly "staging" or "production".
   * @param version Release tag vX.Y.Z; required for production.
   * @param gitSha Commit (7-40 hex); required for staging.
   * @param gitRef Ref that would trigger the deploy. Default: not checked.
   * @param promoteDigest Plan the promotion of this sha256: digest instead of a build.
   * @param migration "upgrade head", "downgrade -1", "downgrade <rev>" or "none". Default: "upgrade head".
   * @param awsAccessKeyId AWS access key id (or use awsRoleArn + awsWebIdentityToken).
   * @param awsSecretAccessKey AWS secret access key.
   * @param awsSessionToken AWS session token, for temporary keys.
   * @param awsRoleArn Role to assume with a GitHub OIDC token.
   * @param awsWebIdentityToken The GitHub OIDC token for awsRoleArn.
   * @param awsEndpointUrl Endpoint for every AWS client (e.g. moto). Default: AWS's own (no environment variable is read).
   */
  @func({ cache: "never" })
  async plan(
    env: string,
    version?: string,
    gitSha?: string,
    gitRef?: string,
    promoteDigest?: string,
    migration?: string,
    awsAccessKeyId?: Secret,
    awsSecretAccessKey?: Secret,
    awsSessionToken?: Secret,
    awsRoleArn?: string,
    awsWebIdentityToken?: Secret,
    awsEndpointUrl?: string,
  ): Promise<string> {
    const aws = {
      awsAccessKeyId,
      awsSecretAccessKey,
      awsSessionToken,
      awsRoleArn,
      awsWebIdentityToken,
      awsEndpointUrl,
      source: this.source,
    };
    return planStage({ env, version, gitSha, gitRef, promoteDigest, migration, ...aws });
  }

  /**
   * Roll the service back to the revision that served before the last deploy (or a named one), wait until it is
   * steady and PRIMARY, smoke-check it, notify Slack. Works while a deploy is stuck. Returns the JSON report.
   *
   * Example usage: dagger call rollback --env=production --aws-access-key-id=env:AWS_ACCESS_KEY_ID_PROD --aws-secret-access-key=env:AWS_SECRET_ACCESS_KEY_PROD
   *
   * Cache: never (it changes the service).
   *
   * @param env Target environment, exactly "staging" or "production".
   * @param to "previous", a revision number, family:N or a task definition ARN. Default: "previous".
   * @param awsAccessKeyId AWS access key id (or use awsRoleArn + awsWebIdentityToken).
   * @param awsSecretAccessKey AWS secret access key.
   * @param awsSessionToken AWS session token, for temporary keys.
   * @param awsRoleArn Role to assume with a GitHub OIDC token.
   * @param awsWebIdentityToken The GitHub OIDC token for awsRoleArn.
   * @param awsEndpointUrl Endpoint for every AWS client (e.g. moto). Default: AWS's own (no environment variable is read).
   * @param slackWebhook Slack incoming-webhook URL. Default: no notification.
   * @param smokeUrl Base URL for the smoke checks. Default: the environment's public URL.
   * @param timeoutSeconds Longest wait for the rollback to be steady. Default: 900.
   */
  @func({ cache: "never" })
  async rollback(
    env: string,
    to?: string,
    awsAccessKeyId?: Secret,
    awsSecretAccessKey?: Secret,
    awsSessionToken?: Secret,
    awsRoleArn?: string,
    awsWebIdentityToken?: Secret,
    awsEndpointUrl?: string,
    slackWebhook?: Secret,
    smokeUrl?: string,
    timeoutSeconds?: number,
  ): Promise<string> {
    const aws = {
      awsAccessKeyId,
      awsSecretAccessKey,
      awsSessionToken,
      awsRoleArn,
      awsWebIdentityToken,
      awsEndpointUrl,
      source: this.source,
    };
    return rollbackStage({ env, to, slackWebhook, smokeUrl, timeoutSeconds, ...aws });
  }

  /**
   * Run one alembic command as a one-off ECS task with the serving revision's image (the spec's database
   * rollback is `--command="downgrade -1"`). Passes only if every essential container exited 0.
   *
   * Example usage: dagger call migrate --env=staging --command="downgrade -1" --aws-access-key-id=env:AWS_ACCESS_KEY_ID --aws-secret-access-key=env:AWS_SECRET_ACCESS_KEY
   *
   * Cache: never (it runs a task against the database).
   *
   * @param env Target environment, exactly "staging" or "production".
   * @param command "upgrade head", "downgrade -1" or "downgrade <revision>". Default: "upgrade head".
   * @param taskDefinition Revision whose image runs the command (family:N or ARN). Default: the serving one.
   * @param awsAccessKeyId AWS access key id (or use awsRoleArn + awsWebIdentityToken).
   * @param awsSecretAccessKey AWS secret access key.
   * @param awsSessionToken AWS session token, for temporary keys.
   * @param awsRoleArn Role to assume with a GitHub OIDC token.
   * @param awsWebIdentityToken The GitHub OIDC token for awsRoleArn.
   * @param awsEndpointUrl Endpoint for every AWS client (e.g. moto). Default: AWS's own (no environment variable is read).
   * @param timeoutSeconds Longest wait for the task to stop. Default: 900.
   */
  @func({ cache: "never" })
  async migrate(
    env: string,
    command?: string,
    taskDefinition?: string,
    awsAccessKeyId?: Secret,
    awsSecretAccessKey?: Secret,
    awsSessionToken?: Secret,
    awsRoleArn?: string,
    awsWebIdentityToken?: Secret,
    awsEndpointUrl?: string,
    timeoutSeconds?: number,
  ): Promise<string> {
    const aws = {
      awsAccessKeyId,
      awsSecretAccessKey,
      awsSessionToken,
      awsRoleArn,
      awsWebIdentityToken,
      awsEndpointUrl,
      source: this.source,
    };
    return migrateStage({ env, command, taskDefinition, timeoutSeconds, ...aws });
  }

  /**
   * Smoke-check a deployed environment: GET /health, /ready, and / reporting the expected version, with bounded
   * retries. Returns each check's result as JSON; fails naming every failed check.
   *
   * Example usage: dagger call smoke --env=production --version=v1.2.3
   *
   * Cache: never (it checks what serves now).
   *
   * @param env Environment whose public URL is checked, exactly "staging" or "production".
   * @param url Check this base URL instead. Default: the environment's public URL.
   * @param version Version / must report (with or without the leading v). Default: not checked.
   * @param attempts Attempts per check. Default: 5.
   */
  @func({ cache: "never" })
  async smoke(env: string, url?: string, version?: string, attempts?: number): Promise<string> {
    return smokeStage({ source: this.source, env, url, version, attempts });
  }

  /** Settings from arguments, pyproject and defaults, validated with the layout the stages need. */
  private settings(stages: SourceStage[]): Promise<PipelineSettings> {
    const raw: RawSettings = {
      pythonVersion: this.pythonVersion,
      packageName: this.packageName,
      coverageThreshold: this.coverageThreshold,
      imageSizeLimitMb: this.imageSizeLimitMb,
      flake8MaxLineLength: this.flake8MaxLineLength,
      trivySeverities: this.trivySeverities,
      pythonImage: this.pythonImage,
      postgresImage: this.postgresImage,
      redisImage: this.redisImage,
      trivyImage: this.trivyImage,
      gitImage: this.gitImage,
      skopeoImage: this.skopeoImage,
      trivyDbRepository: this.trivyDbRepository,
      trivyIgnoreUnfixed: this.trivyIgnoreUnfixed,
    };
    return loadSettings(this.source, raw, stages);
  }

  /** A stage's reports, or its error; with failOnError false the error is printed and the reports returned. */
  private finish(stage: string, outcome: StageOutcome, failOnError: boolean): Directory {
    if (outcome.error && !failOnError) {
      console.log(`[${stage}] FAILED (returning reports because failOnError is false): ${outcome.summary}`);
      return outcome.reports;
    }
    return reportsOrThrow(outcome);
  }
}
