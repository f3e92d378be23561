"""Contracts from the npm packages' build artifacts (Uniswap: Waffle, Hardhat and Foundry JSON), as Ape contract
containers."""

from __future__ import annotations

import json
from pathlib import Path

from agents.chain.toolchain import ROOT

UNISWAP_V2_CORE = ROOT / "node_modules" / "@uniswap" / "v2-core" / "build"
UNISWAP_V2_PERIPHERY = ROOT / "node_modules" / "@uniswap" / "v2-periphery" / "build"
UNISWAP_V3_CORE = ROOT / "node_modules" / "@uniswap" / "v3-core" / "artifacts" / "contracts"
UNISWAP_V3_PERIPHERY = ROOT / "node_modules" / "@uniswap" / "v3-periphery" / "artifacts" / "contracts"
UNISWAP_V4_CORE = ROOT / "node_modules" / "@uniswap" / "v4-core" / "out"
UNISWAP_V4_PERIPHERY = ROOT / "node_modules" / "@uniswap" / "v4-periphery" / "foundry-out"
UNIVERSAL_ROUTER = ROOT / "node_modules" / "@uniswap" / "universal-router" / "out"
PERMIT2_RUNTIME_SOURCE = (
    ROOT / "node_modules" / "@uniswap" / "v4-periphery" / "lib" / "permit2" / "test" / "utils" / "DeployPermit2.sol"
)


def npm_contract(path: Path, name: str | None = None):
    """An Ape ContractContainer from a build artifact (Waffle or Hardhat JSON)."""
    from ape.contracts import ContractContainer
    from ethpm_types import ContractType

    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: run `npm install` in the project")
    doc = json.loads(path.read_text())
    bytecode = doc.get("bytecode") or doc["evm"]["bytecode"]["object"]
    if isinstance(bytecode, dict):
        bytecode = bytecode["object"]
    if not bytecode.startswith("0x"):
        bytecode = "0x" + bytecode
    contract_type = ContractType.model_validate(
        {"abi": doc["abi"], "contractName": name or path.stem, "deploymentBytecode": {"bytecode": bytecode}}
    )
    return ContractContainer(contract_type)
