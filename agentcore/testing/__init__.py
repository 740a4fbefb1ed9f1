"""Offline models and pytest fixtures: make every agent testable without a network or a key.

* :class:`ScriptedChatModel` plays a script of responses, per agent, deterministically.
* :class:`FunctionChatModel` asks a Python function what to say.
* :class:`ReplayChatModel` replays the model responses of a recorded run trace.
* :func:`load_script_model` resolves ``scripted:NAME`` (built-ins: ``echo``, ``loop``, ...)
  or a script file into a model.
* :class:`FaultyHTTPServer` answers on loopback in OpenAI's or Anthropic's wire format, HTTP
  errors, resets, hangs and cut streams included, for the real provider SDKs (fault injection).
* :class:`HashingEmbedder` embeds text instantly and deterministically (unit tests only).
* ``agentcore.testing.pytest_plugin`` blocks the network and scrubs the environment in tests.
"""

from agentcore.errors import ScriptExhaustedError
from agentcore.testing._base import OfflineChatModel, Reply
from agentcore.testing._builtins import BUILTIN_SCRIPTS, builtin_scripts, load_script_model
from agentcore.testing._call import CallInfo, RecordedCall, estimate_usage, find_task
from agentcore.testing._embedder import HashingEmbedder
from agentcore.testing._faults import InjectedHTTPError
from agentcore.testing._faults_http import (
    PROVIDER_ENV,
    FaultyHTTPServer,
    HTTPFault,
    HTTPReply,
    ReceivedRequest,
)
from agentcore.testing._faults_wire import (
    anthropic_error,
    anthropic_message,
    anthropic_stream,
    openai_completion,
    openai_error,
    openai_stream,
)
from agentcore.testing._function import FunctionChatModel, FunctionReply, ReplyFunction
from agentcore.testing._network import NetworkBlockedError, NetworkGuard, is_loopback_host
from agentcore.testing._replay import ReplayChatModel
from agentcore.testing._script import (
    Script,
    ScriptFault,
    ScriptResponse,
    ScriptToolCall,
    ScriptUsage,
)
from agentcore.testing._script_file import load_script_file, parse_script
from agentcore.testing._scripted import ScriptedChatModel
from agentcore.testing._tools import tool_context_factory

__all__ = [
    "BUILTIN_SCRIPTS",
    "PROVIDER_ENV",
    "CallInfo",
    "FaultyHTTPServer",
    "FunctionChatModel",
    "FunctionReply",
    "HTTPFault",
    "HTTPReply",
    "HashingEmbedder",
    "InjectedHTTPError",
    "NetworkBlockedError",
    "NetworkGuard",
    "OfflineChatModel",
    "ReceivedRequest",
    "RecordedCall",
    "ReplayChatModel",
    "Reply",
    "ReplyFunction",
    "Script",
    "ScriptExhaustedError",
    "ScriptFault",
    "ScriptResponse",
    "ScriptToolCall",
    "ScriptUsage",
    "ScriptedChatModel",
    "anthropic_error",
    "anthropic_message",
    "anthropic_stream",
    "builtin_scripts",
    "estimate_usage",
    "find_task",
    "is_loopback_host",
    "load_script_file",
    "load_script_model",
    "openai_completion",
    "openai_error",
    "openai_stream",
    "parse_script",
    "tool_context_factory",
]
