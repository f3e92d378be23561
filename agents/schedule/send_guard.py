"""Records every transaction a run sends before it leaves the process: a web3 middleware on the provider.

For `eth_sendRawTransaction` the hash is keccak256 of the signed bytes, so it is in the ledger (with the
sender, nonce and recipient) before the node has seen the transaction; then the node's answer is recorded
(broadcast, or rejected with its error). Transactions sent outside a run pass untouched.
"""

from __future__ import annotations

from eth_utils import keccak, to_checksum_address
from hexbytes import HexBytes
from web3.middleware import Web3Middleware

from agents.schedule.runtime import current_run

NAME = "lamm-schedule-send-guard"
_SEND = ("eth_sendRawTransaction", "eth_sendTransaction")


class SendGuard(Web3Middleware):
    def wrap_make_request(self, make_request):
        def middleware(method, params):
            run = current_run()
            if run is None or method not in _SEND:
                return make_request(method, params)
            tx = describe_raw(HexBytes(params[0])) if method == "eth_sendRawTransaction" else _unsigned(params[0])
            tx["block"] = _head(make_request)
            run.before_send(tx)
            # an exception here (lost node) leaves the entry 'signed': reconciliation finds out what happened
            response = make_request(method, params)
            error = response.get("error") if isinstance(response, dict) else None
            if tx["hash"] is None and not error:  # eth_sendTransaction: the node names the hash
                tx["hash"] = response.get("result")
                run.ledger.set_tx(run.id, None, hash=tx["hash"])
            if tx["hash"]:
                run.after_send(tx["hash"], _error_text(error))
            return response

        return middleware


def install(web3) -> None:
    """Adds the guard to a Web3 instance (once)."""
    if NAME not in web3.middleware_onion:
        web3.middleware_onion.add(SendGuard, name=NAME)


def describe_raw(raw: bytes) -> dict:
    """Hash, sender, nonce, recipient and calldata of a signed transaction (legacy or EIP-2718 typed)."""
    import rlp
    from eth_account import Account

    typed = raw[0] <= 0x7F
    fields = rlp.decode(raw[1:] if typed else raw)
    kind = raw[0] if typed else 0
    nonce_at, to_at, data_at = {0: (0, 3, 5), 1: (1, 4, 6), 2: (1, 5, 7), 3: (1, 5, 7), 4: (1, 5, 7)}[kind]
    to = fields[to_at]
    return {
        "hash": "0x" + keccak(raw).hex(),
        "sender": Account.recover_transaction(raw),
        "nonce": int.from_bytes(fields[nonce_at], "big"),
        "to": to_checksum_address(to) if to else None,
        "data": bytes(fields[data_at]),
    }


def _unsigned(params: dict) -> dict:
    """eth_sendTransaction (a node-held or impersonated key): the hash is only known from the node's answer."""
    to = params.get("to")
    nonce = params.get("nonce")
    return {
        "hash": None,
        "sender": params.get("from"),
        "nonce": int(nonce, 16) if isinstance(nonce, str) else nonce,
        "to": to_checksum_address(to) if to else None,
        "data": bytes(HexBytes(params.get("data") or params.get("input") or b"")),
    }


def _error_text(error) -> str | None:
    if not error:
        return None
    return str(error.get("message", error)) if isinstance(error, dict) else str(error)


def _head(make_request) -> int | None:
    try:
        return int(make_request("eth_blockNumber", [])["result"], 16)
    except Exception:  # noqa: BLE001 - a nicety: reconciliation then looks from the intent's block
        return None
