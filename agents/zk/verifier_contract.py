"""EZKL's generated Solidity verifier, compiled with the npm `solc` (optimizer on, viaIR off): no download."""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

from agents.chain.toolchain import ROOT

SOLCJS = ROOT / "node_modules" / "solc" / "solc.js"
EIP170_LIMIT = 24576  # bytes of runtime code a contract may have
COMPILE_JS = (
    "const [solc, dir] = process.argv.slice(1); const fs = require('fs');"
    "const out = require(solc).compile(fs.readFileSync(dir + '/input.json', 'utf8'));"
    "fs.writeFileSync(dir + '/output.json', out);"
)


class VerifierBuildError(RuntimeError):
    pass


def compile_verifier(source: Path, out: Path, optimizer_runs: int = 1) -> dict:
    """Compiles `source` and writes `out` (JSON: contractName, abi, bytecode, runtime_size); returns it."""
    if not SOLCJS.is_file():
        raise VerifierBuildError(f"{SOLCJS} not found: run `npm install` in the project")
    standard = {
        "language": "Solidity",
        "sources": {source.name: {"content": source.read_text()}},
        "settings": {
            "optimizer": {"enabled": True, "runs": optimizer_runs},
            "viaIR": False,
            "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]}},
        },
    }
    with tempfile.TemporaryDirectory(prefix="lamm-solc-") as tmp:
        (Path(tmp) / "input.json").write_text(json.dumps(standard))
        # solc-js compiles in-process; its output goes to a file (a pipe may be cut short at exit)
        done = subprocess.run(["node", "-e", COMPILE_JS, str(SOLCJS.parent), tmp], capture_output=True, text=True)
        if done.returncode != 0:
            raise VerifierBuildError(f"solc failed on {source}: {done.stderr.strip()[:500]}")
        result = json.loads((Path(tmp) / "output.json").read_text())
    errors = [e["formattedMessage"] for e in result.get("errors", []) if e["severity"] == "error"]
    if errors:
        raise VerifierBuildError(f"solc rejected {source}: {errors[0][:500]}")
    ((name, contract),) = result["contracts"][source.name].items()
    runtime = contract["evm"]["deployedBytecode"]["object"]
    artifact = {
        "contractName": name,
        "abi": contract["abi"],
        "bytecode": "0x" + contract["evm"]["bytecode"]["object"],
        "runtime_size": len(runtime) // 2,
    }
    if artifact["runtime_size"] > EIP170_LIMIT:
        raise VerifierBuildError(
            f"{source}: verifier runtime is {artifact['runtime_size']} bytes, over the EIP-170 limit of "
            f"{EIP170_LIMIT}: use a smaller policy"
        )
    out.write_text(json.dumps(artifact))
    return artifact
