"""The live handoff: a counsellor takes a child's conversation over from the bot.

`store` keeps the state in the database (the queue, the atomic take, sealed messages, the end
with the counsellor's coding), `presence` who is on shift; `relay` carries messages between the child's channel and the
console, within a server and, with REDIS_URL, across servers.
"""
