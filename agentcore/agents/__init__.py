"""Agent definitions: one Markdown file per agent, YAML frontmatter plus a prompt body.

An agent file looks like this::

    ---
    name: data_analyst
    description: Reads CSV files in the workspace and reports summary statistics
    tools: [think, read_file, list_files]
    ---

    You are a data analyst. ...

The built-in agents (planner, researcher, coder, ml_specialist) load first, then the
directories in ``settings.agent_dirs``; a later file with the same name replaces an earlier
one. :func:`validate_team` then checks the team against the registered tools.
"""

from agentcore.agents._loader import builtin_agents_dir, load_agent, load_agents, validate_team
from agentcore.agents._spec import AgentSpec, Role, agent_json_schema

__all__ = [
    "AgentSpec",
    "Role",
    "agent_json_schema",
    "builtin_agents_dir",
    "load_agent",
    "load_agents",
    "validate_team",
]
