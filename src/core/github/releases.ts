import { ReleaseError } from "../errors.js";
import { createOctokit, describeGitHubFailure, parseRepository, type GitHubConnection } from "./client.js";

/** A GitHub release as the pipeline reports it. */
export interface GitHubRelease {
  readonly id: number;
  readonly tag: string;
  readonly url: string;
  readonly prerelease: boolean;
}

/** The release notes to publish for one tag. */
export interface ReleaseContent {
  readonly tag: string;
  /** Release title. @default the tag */
  readonly name?: string;
  /** Markdown body (the changelog section). */
  readonly body: string;
  readonly prerelease: boolean;
}

/** A read-only handle on the releases of one repository; writes go through {@link publishGitHubRelease}. */
export class GitHubReleases {
  private readonly octokit;
  private readonly owner: string;
  private readonly repo: string;

  constructor(private readonly connection: GitHubConnection) {
    ({ owner: this.owner, repo: this.repo } = parseRepository(connection.repository, "GitHub repository"));
    this.octokit = createOctokit(connection);
  }

  /** The published release for `tag`, or `undefined` (GitHub answers 404) when there is none yet. */
  async findByTag(tag: string): Promise<GitHubRelease | undefined> {
    try {
      const { data } = await this.octokit.rest.repos.getReleaseByTag({ owner: this.owner, repo: this.repo, tag });
      return { id: data.id, tag: data.tag_name, url: data.html_url, prerelease: data.prerelease };
    } catch (error) {
      if ((error as { status?: number }).status === 404) return undefined;
      throw new ReleaseError(
        describeGitHubFailure(`reading the release for ${tag} in ${this.connection.repository}`, error),
      );
    }
  }

  /** Creates the release, or updates `existing` in place (a rerun never makes a second release). */
  async upsert(
    content: ReleaseContent,
    existing: GitHubRelease | undefined,
  ): Promise<GitHubRelease & { action: "created" | "updated" }> {
    const fields = {
      name: content.name ?? content.tag,
      body: content.body,
      prerelease: content.prerelease,
      draft: false,
    };
    try {
      if (existing) {
        const { data } = await this.octokit.rest.repos.updateRelease({
          owner: this.owner,
          repo: this.repo,
          release_id: existing.id,
          tag_name: content.tag,
          ...fields,
        });
        return { id: data.id, tag: data.tag_name, url: data.html_url, prerelease: data.prerelease, action: "updated" };
      }
      const { data } = await this.octokit.rest.repos.createRelease({
        owner: this.owner,
        repo: this.repo,
        tag_name: content.tag,
        ...fields,
      });
      return { id: data.id, tag: data.tag_name, url: data.html_url, prerelease: data.prerelease, action: "created" };
    } catch (error) {
      const verb = existing ? "updating" : "creating";
      throw new ReleaseError(
        describeGitHubFailure(`${verb} the release for ${content.tag} in ${this.connection.repository}`, error),
      );
    }
  }
}
