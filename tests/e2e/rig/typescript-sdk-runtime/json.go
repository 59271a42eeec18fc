package main

import (
	"encoding/json"
	"strings"
)

// The tsconfig.json upstream writes for a module that has none.
const defaultTSConfig = `{
  "compilerOptions": {
    "target": "ES2022",
    "moduleResolution": "Node",
    "experimentalDecorators": true,
    "strict": true,
    "skipLibCheck": true,
    "paths": {
      "@dagger.io/dagger": ["./sdk/index.ts"],
      "@dagger.io/dagger/telemetry": ["./sdk/telemetry.ts"]
    }
  }
}
`

// packageJSONForModule makes the adjustments upstream's runtime makes: an ES module,
// `dependencies.typescript` set to the bundled version only when the key is missing
// (a devDependency does not count, and npm then installs that version), and no
// "@dagger.io/dagger" dependency, since the SDK library is mounted in its place.
func packageJSONForModule(content string) (string, error) {
	doc, err := parseObject(content)
	if err != nil {
		return "", err
	}
	doc["type"] = "module"
	deps, err := objectField(doc, "dependencies")
	if err != nil {
		return "", err
	}
	if _, ok := deps["typescript"]; !ok {
		deps["typescript"] = bundledTypeScriptVersion
	}
	delete(deps, "@dagger.io/dagger")
	doc["dependencies"] = deps
	if devDeps, ok := doc["devDependencies"].(map[string]any); ok {
		delete(devDeps, "@dagger.io/dagger")
	}
	return marshal(doc)
}

// tsconfigForModule points "@dagger.io/dagger" at the mounted SDK library and turns
// decorators on, as upstream does; a module without tsconfig.json gets upstream's default.
func tsconfigForModule(content string) (string, error) {
	if content == "" {
		return defaultTSConfig, nil
	}
	doc, err := parseObject(content)
	if err != nil {
		return "", err
	}
	options, err := objectField(doc, "compilerOptions")
	if err != nil {
		return "", err
	}
	paths, err := objectField(options, "paths")
	if err != nil {
		return "", err
	}
	paths["@dagger.io/dagger"] = []string{"./sdk/index.ts"}
	paths["@dagger.io/dagger/telemetry"] = []string{"./sdk/telemetry.ts"}
	options["paths"] = paths
	options["experimentalDecorators"] = true
	doc["compilerOptions"] = options
	return marshal(doc)
}

func parseObject(content string) (map[string]any, error) {
	doc := map[string]any{}
	if err := json.Unmarshal([]byte(withoutJSONComments(content)), &doc); err != nil {
		return nil, err
	}
	return doc, nil
}

func objectField(doc map[string]any, key string) (map[string]any, error) {
	switch value := doc[key].(type) {
	case nil:
		return map[string]any{}, nil
	case map[string]any:
		return value, nil
	default:
		return nil, &json.UnmarshalTypeError{Value: "non-object", Field: key}
	}
}

func marshal(doc map[string]any) (string, error) {
	out, err := json.MarshalIndent(doc, "", "  ")
	return string(out) + "\n", err
}

// withoutJSONComments drops // and /* */ comments outside strings (tsconfig.json
// allows them; encoding/json does not).
func withoutJSONComments(in string) string {
	var out strings.Builder
	inString, escaped := false, false
	for i := 0; i < len(in); i++ {
		c := in[i]
		switch {
		case inString:
			out.WriteByte(c)
			if escaped {
				escaped = false
			} else if c == '\\' {
				escaped = true
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
			out.WriteByte(c)
		case c == '/' && i+1 < len(in) && in[i+1] == '/':
			for i < len(in) && in[i] != '\n' {
				i++
			}
			if i < len(in) {
				out.WriteByte('\n')
			}
		case c == '/' && i+1 < len(in) && in[i+1] == '*':
			end := strings.Index(in[i+2:], "*/")
			if end < 0 {
				return out.String()
			}
			i += end + 3
		default:
			out.WriteByte(c)
		}
	}
	return out.String()
}
