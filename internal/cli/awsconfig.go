package cli

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
)

// profiles is the AWS CLI's view of the shared config and credentials
// files: botocore resolves the profile, region, output and CA bundle from
// them (credentials themselves come from the AWS SDK for Go v2).
type profiles struct {
	name     string // effective profile; empty means "default" implicitly
	explicit bool   // given with --profile
	envName  bool   // from AWS_DEFAULT_PROFILE or AWS_PROFILE
	sections map[string]map[string]string
}

// loadProfiles reads ~/.aws/config and ~/.aws/credentials (or the files
// named by AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE).
func loadProfiles(g *globals, getenv func(string) string) *profiles {
	p := &profiles{sections: map[string]map[string]string{}}
	switch {
	case g.profile != "":
		p.name, p.explicit = g.profile, true
	case getenv("AWS_DEFAULT_PROFILE") != "":
		p.name, p.envName = getenv("AWS_DEFAULT_PROFILE"), true
	case getenv("AWS_PROFILE") != "":
		p.name, p.envName = getenv("AWS_PROFILE"), true
	}
	cfg := getenv("AWS_CONFIG_FILE")
	if cfg == "" {
		cfg = "~/.aws/config"
	}
	creds := getenv("AWS_SHARED_CREDENTIALS_FILE")
	if creds == "" {
		creds = "~/.aws/credentials"
	}
	for name, kv := range readINI(expandUser(cfg, getenv)) {
		switch {
		case name == "default":
			p.merge(name, kv)
		case strings.HasPrefix(name, "profile ") || strings.HasPrefix(name, "profile\t"):
			p.merge(strings.TrimSpace(name[len("profile"):]), kv)
		}
	}
	for name, kv := range readINI(expandUser(creds, getenv)) {
		p.merge(name, kv)
	}
	return p
}

func (p *profiles) merge(name string, kv map[string]string) {
	if p.sections[name] == nil {
		p.sections[name] = map[string]string{}
	}
	for k, v := range kv {
		p.sections[name][k] = v
	}
}

// scoped is botocore's get_scoped_config: the profile's settings, failing
// with ProfileNotFound for a named profile that does not exist.
func (p *profiles) scoped() (map[string]string, error) {
	if p.name == "" {
		return p.sections["default"], nil
	}
	s, ok := p.sections[p.name]
	if !ok {
		return nil, fmt.Errorf("The config profile (%s) could not be found", p.name)
	}
	return s, nil
}

// readINI parses an AWS shared config file loosely like configparser:
// sections, "key = value" pairs, comments; indented sub-values skipped.
func readINI(path string) map[string]map[string]string {
	out := map[string]map[string]string{}
	f, err := os.Open(path)
	if err != nil {
		return out
	}
	defer f.Close()
	var cur map[string]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "" || trimmed[0] == '#' || trimmed[0] == ';':
		case strings.HasPrefix(trimmed, "[") && strings.HasSuffix(trimmed, "]"):
			name := strings.TrimSpace(trimmed[1 : len(trimmed)-1])
			if out[name] == nil {
				out[name] = map[string]string{}
			}
			cur = out[name]
		case cur != nil && line[0] != ' ' && line[0] != '\t':
			k, v, ok := strings.Cut(trimmed, "=")
			if ok {
				cur[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
		}
	}
	return out
}

var validRegion = regexp.MustCompile(`^[a-zA-Z0-9](?:[a-zA-Z0-9\-]{0,61}[a-zA-Z0-9])?$`)

// resolveRegion is botocore's region chain: --region, AWS_DEFAULT_REGION,
// then the profile's region.
func resolveRegion(g *globals, scoped map[string]string, getenv func(string) string) (string, error) {
	region := g.region
	if region == "" {
		region = getenv("AWS_DEFAULT_REGION")
	}
	if region == "" {
		region = scoped["region"]
	}
	if region == "" {
		return "", &plainError{`You must specify a region. You can also configure your region by running "aws configure".`}
	}
	if !validRegion.MatchString(region) {
		return "", fmt.Errorf("Provided region_name '%s' doesn't match a supported format.", region)
	}
	return region, nil
}

// loadCredentials builds the credentials provider through the SDK config
// module with botocore's precedence: an explicit --profile wins over the
// environment; otherwise environment keys, then the profile.
func loadCredentials(ctx context.Context, p *profiles, region string, getenv func(string) string) (aws.CredentialsProvider, error) {
	akid, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	if !p.explicit && (akid == "") != (secret == "") {
		missing := "AWS_SECRET_ACCESS_KEY"
		if akid == "" {
			missing = "AWS_ACCESS_KEY_ID"
		}
		return nil, fmt.Errorf("Partial credentials found in env, missing: %s", missing)
	}
	opts := []func(*config.LoadOptions) error{
		config.WithRegion(region),
		// botocore asks the instance metadata service once, with a 1 s
		// timeout, before giving up.
		config.WithEC2RoleCredentialOptions(func(o *ec2rolecreds.Options) {
			o.Client = imds.New(imds.Options{
				HTTPClient: &http.Client{Timeout: time.Second},
				Retryer:    aws.NopRetryer{},
			})
		}),
	}
	envProfileDiffers := p.envName && getenv("AWS_PROFILE") != p.name && akid == ""
	if p.explicit || envProfileDiffers {
		opts = append(opts, config.WithSharedConfigProfile(p.name))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	return cfg.Credentials, nil
}

// credentialsError maps a failed credentials lookup to botocore's
// NoCredentialsError when nothing was found.
func credentialsError(err error) error {
	msg := err.Error()
	if strings.Contains(msg, "EC2 IMDS") || strings.Contains(msg, "no valid credential sources") {
		return &plainError{`Unable to locate credentials. You can configure credentials by running "aws configure".`}
	}
	return fmt.Errorf("%s", msg)
}

// defaultEndpoint is the AWS endpoint for the region
// (api.tunneling.iot.<region>.amazonaws.com, .com.cn in China).
func defaultEndpoint(region string) string {
	suffix := "amazonaws.com"
	if strings.HasPrefix(region, "cn-") {
		suffix = "amazonaws.com.cn"
	}
	return "https://api.tunneling.iot." + region + "." + suffix
}
