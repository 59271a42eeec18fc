// Written by the rig's TypeScript SDK runtime: hands every TypeScript file of the
// module, and the generated client, to the SDK's entrypoint, which registers the
// module (no parent object) or invokes the function the engine asks for.
import { entrypoint } from "@dagger.io/dagger"
import * as fs from "fs"
import * as path from "path"

const extensions = [".ts", ".mts"]

function moduleFiles(dir: string): string[] {
  return fs.readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name)
    if (fs.statSync(file).isDirectory()) return moduleFiles(file)
    return extensions.includes(path.extname(file)) ? [file] : []
  })
}

entrypoint([`${import.meta.dirname}/../sdk/client.gen.ts`, ...moduleFiles(import.meta.dirname)])
