package main

import (
	"fmt"
	"time"

	"github.com/aquasecurity/trivy-db/pkg/db"
	"github.com/aquasecurity/trivy-db/pkg/types"
	"github.com/aquasecurity/trivy-db/pkg/vulnsrc/bucket"
	"github.com/aquasecurity/trivy-db/pkg/vulnsrc/vulnerability"
	bolt "go.etcd.io/bbolt"
)

// record is one real, public advisory: the facts below are copied from the GitHub Advisory
// Database (PyPI) and the Debian Security Tracker, not invented. Only a handful are here: the
// stand-in proves that the pipeline turns a known advisory into the right verdict, it is never a
// complete vulnerability DB.
type record struct {
	id        string         // CVE id
	ghsa      string         // GitHub advisory id (PyPI records)
	pkg       string         // package name (PyPI: normalised lower case; Debian: source package)
	debian    string         // Debian major release, for an OS record ("12" = bookworm)
	affected  []string       // PyPI: vulnerable version ranges (PEP 440, comma = and)
	patched   []string       // PyPI: first fixed versions
	fixed     string         // Debian: fixed version; empty = not fixed in that release
	status    types.Status   // Debian, when not fixed
	severity  types.Severity // the source's own rating (GHSA or Debian)
	nvd       types.Severity // NVD's rating
	cvssV3    string
	cvssScore float64
	title     string
	published string
}

var records = []record{
	{
		id: "CVE-2023-43804", ghsa: "GHSA-v845-jxx5-vc9f", pkg: "urllib3",
		affected: []string{"<1.26.17", ">=2.0.0, <2.0.6"}, patched: []string{"1.26.17", "2.0.6"},
		severity: types.SeverityHigh, nvd: types.SeverityHigh,
		cvssV3: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N", cvssScore: 8.1,
		title:     "urllib3: Cookie request header isn't stripped during cross-origin redirects",
		published: "2023-10-02T23:15:00Z",
	},
	{
		id: "CVE-2020-14343", ghsa: "GHSA-8q59-q68h-6hv4", pkg: "pyyaml",
		affected: []string{"<5.4"}, patched: []string{"5.4"},
		severity: types.SeverityCritical, nvd: types.SeverityCritical,
		cvssV3: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", cvssScore: 9.8,
		title:     "PyYAML: incomplete fix for CVE-2020-1747: arbitrary code execution via full_load / FullLoader",
		published: "2021-02-09T21:15:00Z",
	},
	{
		id: "CVE-2023-32681", ghsa: "GHSA-j8r2-6x86-q33q", pkg: "requests",
		affected: []string{">=2.3.0, <2.31.0"}, patched: []string{"2.31.0"},
		severity: types.SeverityMedium, nvd: types.SeverityMedium,
		cvssV3: "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N", cvssScore: 6.1,
		title:     "requests: Unintended leak of Proxy-Authorization header",
		published: "2023-05-26T18:15:00Z",
	},
	{
		// Present in every Debian image (apt is part of minbase), unfixed in bookworm: Debian rates it
		// "unimportant" (Trivy: LOW), so it fails only scans that include LOW, and --ignore-unfixed hides it.
		id: "CVE-2011-3374", pkg: "apt", debian: "12",
		status: types.StatusAffected, severity: types.SeverityLow, nvd: types.SeverityLow,
		cvssV3: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:L/A:N", cvssScore: 3.7,
		title:     "It was found that apt-key in apt, all versions, do not correctly validate gpg keys with the master keyring, leading to a potential man-in-the-middle attack.",
		published: "2019-11-26T00:15:00Z",
	},
}

var (
	ghsaPip = types.DataSource{
		ID:   vulnerability.GHSA,
		Name: "GitHub Security Advisory pip",
		URL:  "https://github.com/advisories?query=type%3Areviewed+ecosystem%3Apip",
	}
	debianTracker = types.DataSource{
		ID:   vulnerability.Debian,
		Name: "Debian Security Tracker",
		URL:  "https://salsa.debian.org/security-tracker-team/security-tracker",
	}
)

// putAdvisories writes the records into the final buckets Trivy reads (the shape trivy-db's own
// build leaves after it compiles its detail buckets): <platform>/<package>/<id> -> advisory,
// vulnerability/<id> -> details and severities, data-source/<platform> -> where it came from.
func putAdvisories(dbc db.Config) error {
	pipBucket, err := bucket.NewPyPI(ghsaPip)
	if err != nil {
		return err
	}
	return dbc.BatchUpdate(func(tx *bolt.Tx) error {
		for _, r := range records {
			platform, source, sourceID := pipBucket.Name(), ghsaPip, vulnerability.GHSA
			advisory := types.Advisory{VulnerableVersions: r.affected, PatchedVersions: r.patched}
			if r.debian != "" {
				platform, source, sourceID = bucket.NewDebian(r.debian).Name(), debianTracker, vulnerability.Debian
				advisory = types.Advisory{FixedVersion: r.fixed, Status: r.status, Severity: r.severity}
			}
			if err := dbc.PutAdvisory(tx, []string{platform, r.pkg}, r.id, &advisory); err != nil {
				return fmt.Errorf("%s: %w", r.id, err)
			}
			if err := dbc.PutDataSource(tx, platform, source); err != nil {
				return fmt.Errorf("%s: %w", r.id, err)
			}
			published, err := time.Parse(time.RFC3339, r.published)
			if err != nil {
				return fmt.Errorf("%s: %w", r.id, err)
			}
			references := []string{"https://nvd.nist.gov/vuln/detail/" + r.id}
			if r.ghsa != "" {
				references = append(references, "https://github.com/advisories/"+r.ghsa)
			}
			vuln := types.Vulnerability{
				Title:          r.title,
				Severity:       r.nvd.String(),
				VendorSeverity: types.VendorSeverity{sourceID: r.severity, vulnerability.NVD: r.nvd},
				CVSS:           types.VendorCVSS{vulnerability.NVD: {V3Vector: r.cvssV3, V3Score: r.cvssScore}},
				References:     references,
				PublishedDate:  &published,
			}
			if err := dbc.PutVulnerability(tx, r.id, vuln); err != nil {
				return fmt.Errorf("%s: %w", r.id, err)
			}
		}
		return nil
	})
}
