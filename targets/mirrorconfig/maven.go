package mirrorconfig

import (
	"encoding/xml"
	"fmt"
	"strings"

	"ferry/artifacts/fault"
)

type settings struct {
	XMLName xml.Name `xml:"settings"`
	Xmlns   string   `xml:"xmlns,attr"`
	Mirrors struct {
		Mirror []xmlMirror `xml:"mirror"`
	} `xml:"mirrors"`
	Servers struct {
		Server []xmlServer `xml:"server"`
	} `xml:"servers"`
}

type xmlMirror struct {
	ID       string `xml:"id"`
	Name     string `xml:"name"`
	MirrorOf string `xml:"mirrorOf"`
	URL      string `xml:"url"`
}

type xmlServer struct {
	ID       string `xml:"id"`
	Username string `xml:"username"`
	Password string `xml:"password"`
}

func mavenSettings(r *Result, in Input) error {
	if in.MavenURL == "" {
		return fault.New(ErrMissing, "maven needs the site's Maven repository: give it with %s", fault.Use(fault.MavenURL))
	}
	var s settings
	s.Xmlns = "http://maven.apache.org/SETTINGS/1.2.0"
	s.Mirrors.Mirror = []xmlMirror{{ID: in.MavenServerID, Name: "ferry mirror", MirrorOf: "*", URL: in.MavenURL}}
	s.Servers.Server = []xmlServer{{ID: in.MavenServerID, Username: "REPLACE_WITH_USER", Password: "REPLACE_WITH_PASSWORD"}}
	out, err := xml.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("cannot write maven/settings.xml: %w", err)
	}
	r.add("maven/settings.xml", append([]byte(xml.Header), append(out, '\n')...))
	if strings.HasPrefix(in.MavenURL, "http://") {
		r.Warnings = append(r.Warnings, "The Maven repository is plain HTTP: Maven 3.8.1 and later block http repositories unless a mirror of their own matches first, which this settings.xml's mirror does.")
	}
	r.Steps = append(r.Steps,
		"Copy maven/settings.xml to ~/.m2/settings.xml on each build machine (or pass it with `mvn -s maven/settings.xml`).",
		"Replace REPLACE_WITH_USER and REPLACE_WITH_PASSWORD with the repository login, or delete the <server> entry if reading needs none.",
		"Check: `mvn dependency:resolve` in a project succeeds with the internet unplugged.")
	return nil
}

// gradleScript removes every repository but the mirror, including those
// build scripts declare after the init script ran: all {} sees later
// additions too.
const gradleScript = `// Written by ferry: resolve everything from the site's Maven repository.
def ferryUrl = '%[1]s'
def ferryOnly = { RepositoryHandler repos ->
    repos.all { ArtifactRepository repo ->
        if (repo.name != 'ferryMirror') {
            repos.remove(repo)
        }
    }
    repos.maven {
        name = 'ferryMirror'
        url = uri(ferryUrl)%[2]s
    }
}
beforeSettings { settings ->
    ferryOnly(settings.pluginManagement.repositories)
}
settingsEvaluated { settings ->
    try {
        // Gradle 6.8 and later: repositories declared in settings.
        ferryOnly(settings.dependencyResolutionManagement.repositories)
    } catch (MissingPropertyException ignored) {
    }
}
allprojects {
    buildscript { ferryOnly(repositories) }
    ferryOnly(repositories)
}
`

func gradle(r *Result, in Input) error {
	if in.MavenURL == "" {
		return fault.New(ErrMissing, "gradle needs the site's Maven repository: give it with %s", fault.Use(fault.MavenURL))
	}
	insecure := ""
	if strings.HasPrefix(in.MavenURL, "http://") {
		insecure = "\n        allowInsecureProtocol = true"
	}
	url := strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(in.MavenURL)
	r.add("gradle/init.d/ferry-mirror.gradle", fmt.Appendf(nil, gradleScript, url, insecure))
	r.Steps = append(r.Steps,
		"Copy gradle/init.d/ferry-mirror.gradle to ~/.gradle/init.d/ on each build machine (or pass it with `gradle --init-script gradle/init.d/ferry-mirror.gradle`).",
		"If the repository needs a login, add `credentials { username = '…'; password = '…' }` inside the maven { } block.",
		"Check: `gradle build --refresh-dependencies` succeeds with the internet unplugged.")
	return nil
}
