"""Settings every test app runs with: no background thread, cheap password hashing."""

TEST_CONFIG = {
    "JOB_RUNNER": "manual",
    "SECRET_KEY": "test-secret-key",
    "PASSWORD_HASH_MEMORY_KIB": 1024,
    "PASSWORD_HASH_TIME_COST": 1,
    "TASK_RETRY_BASE_S": 0,
    "PLANNER_SECONDS": 0.5,
}
