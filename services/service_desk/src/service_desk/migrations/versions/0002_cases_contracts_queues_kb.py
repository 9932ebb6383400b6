"""Cases, contracts with allotments, SLA policies, queues with item history, routing rules,
knowledge base with full-text search, and the read model of sales' customers.

Revision ID: service_desk_0002
Revises: service_desk_0001
"""
from alembic import op

revision = "service_desk_0002"
down_revision = "service_desk_0001"
branch_labels = None
depends_on = None

# Every record's audit columns (API.md): owner, times, optimistic version.
AUDIT = """owner_id UUID,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
    version INTEGER NOT NULL,"""

TABLES = [
    """CREATE TABLE customer_accounts (
    account_id UUID NOT NULL,
    name VARCHAR(200),
    owner_id UUID,
    source_version INTEGER NOT NULL,
    deleted BOOLEAN NOT NULL,
    synced_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (account_id)
)""",
    """CREATE TABLE customer_contacts (
    contact_id UUID NOT NULL,
    account_id UUID,
    first_name VARCHAR(100),
    last_name VARCHAR(100),
    email VARCHAR(254),
    owner_id UUID,
    source_version INTEGER NOT NULL,
    deleted BOOLEAN NOT NULL,
    synced_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (contact_id)
)""",
    f"""CREATE TABLE contracts (
    id UUID NOT NULL,
    name VARCHAR(200) NOT NULL,
    customer_account_id UUID NOT NULL,
    description TEXT,
    start_date DATE NOT NULL,
    end_date DATE NOT NULL,
    allotment_type VARCHAR(10) NOT NULL,
    total_allotment INTEGER,
    remaining_allotment INTEGER,
    status VARCHAR(20) NOT NULL,
    activated_at TIMESTAMP WITH TIME ZONE,
    cancelled_at TIMESTAMP WITH TIME ZONE,
    expired_at TIMESTAMP WITH TIME ZONE,
    exhausted_at TIMESTAMP WITH TIME ZONE,
    {AUDIT}
    PRIMARY KEY (id)
)""",
    """CREATE TABLE contract_deductions (
    case_id UUID NOT NULL,
    contract_id UUID NOT NULL,
    deducted INTEGER NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (case_id),
    FOREIGN KEY(contract_id) REFERENCES contracts (id)
)""",
    f"""CREATE TABLE sla_policies (
    id UUID NOT NULL,
    name VARCHAR(200) NOT NULL,
    priority VARCHAR(10) NOT NULL,
    first_response_minutes INTEGER NOT NULL,
    resolve_minutes INTEGER NOT NULL,
    time_zone VARCHAR(64) NOT NULL,
    working_days INTEGER[] NOT NULL,
    day_start TIME WITHOUT TIME ZONE NOT NULL,
    day_end TIME WITHOUT TIME ZONE NOT NULL,
    holidays DATE[] NOT NULL,
    warn_percent INTEGER NOT NULL,
    {AUDIT}
    PRIMARY KEY (id),
    UNIQUE (priority)
)""",
    f"""CREATE TABLE queues (
    id UUID NOT NULL,
    name VARCHAR(200) NOT NULL,
    kind VARCHAR(10) NOT NULL,
    description TEXT,
    member_ids UUID[] NOT NULL,
    is_default BOOLEAN NOT NULL,
    {AUDIT}
    PRIMARY KEY (id),
    UNIQUE (name)
)""",
    f"""CREATE TABLE queue_items (
    id UUID NOT NULL,
    queue_id UUID NOT NULL,
    item_type VARCHAR(10) NOT NULL,
    item_id UUID NOT NULL,
    title VARCHAR(300),
    status VARCHAR(10) NOT NULL,
    worker_id UUID,
    picked_at TIMESTAMP WITH TIME ZONE,
    entered_queue_at TIMESTAMP WITH TIME ZONE NOT NULL,
    {AUDIT}
    PRIMARY KEY (id),
    FOREIGN KEY(queue_id) REFERENCES queues (id)
)""",
    """CREATE TABLE queue_item_history (
    id BIGSERIAL NOT NULL,
    queue_item_id UUID NOT NULL,
    action VARCHAR(20) NOT NULL,
    queue_id UUID NOT NULL,
    from_queue_id UUID,
    worker_id UUID,
    actor_id UUID,
    note VARCHAR(300),
    at TIMESTAMP WITH TIME ZONE DEFAULT clock_timestamp() NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(queue_item_id) REFERENCES queue_items (id)
)""",
    f"""CREATE TABLE routing_rules (
    id UUID NOT NULL,
    name VARCHAR(200) NOT NULL,
    position INTEGER NOT NULL,
    conditions JSONB NOT NULL,
    queue_id UUID NOT NULL,
    enabled BOOLEAN NOT NULL,
    {AUDIT}
    PRIMARY KEY (id),
    FOREIGN KEY(queue_id) REFERENCES queues (id)
)""",
    f"""CREATE TABLE kb_articles (
    id UUID NOT NULL,
    title VARCHAR(300) NOT NULL,
    body TEXT NOT NULL,
    keywords VARCHAR(100)[] NOT NULL,
    language VARCHAR(20) NOT NULL,
    status VARCHAR(10) NOT NULL,
    published_version INTEGER,
    published_at TIMESTAMP WITH TIME ZONE,
    archived_at TIMESTAMP WITH TIME ZONE,
    search TSVECTOR,
    {AUDIT}
    PRIMARY KEY (id)
)""",
    """CREATE TABLE kb_article_versions (
    article_id UUID NOT NULL,
    version_number INTEGER NOT NULL,
    title VARCHAR(300) NOT NULL,
    body TEXT NOT NULL,
    keywords VARCHAR(100)[] NOT NULL,
    language VARCHAR(20) NOT NULL,
    published_at TIMESTAMP WITH TIME ZONE NOT NULL,
    published_by UUID,
    PRIMARY KEY (article_id, version_number),
    FOREIGN KEY(article_id) REFERENCES kb_articles (id)
)""",
    f"""CREATE TABLE cases (
    id UUID NOT NULL,
    title VARCHAR(300) NOT NULL,
    description TEXT,
    customer_account_id UUID,
    customer_contact_id UUID,
    product_id UUID,
    contract_id UUID,
    priority VARCHAR(10) NOT NULL,
    origin VARCHAR(10) NOT NULL,
    stage VARCHAR(10) NOT NULL,
    status VARCHAR(10) NOT NULL,
    status_reason VARCHAR(30) NOT NULL,
    resolution TEXT,
    billable_minutes INTEGER,
    activity_minutes INTEGER NOT NULL,
    time_spent_minutes INTEGER NOT NULL,
    first_responded_at TIMESTAMP WITH TIME ZONE,
    first_response_by TIMESTAMP WITH TIME ZONE,
    resolve_by TIMESTAMP WITH TIME ZONE,
    sla_policy_id UUID,
    queue_id UUID,
    resolved_at TIMESTAMP WITH TIME ZONE,
    cancelled_at TIMESTAMP WITH TIME ZONE,
    {AUDIT}
    PRIMARY KEY (id),
    FOREIGN KEY(contract_id) REFERENCES contracts (id),
    FOREIGN KEY(sla_policy_id) REFERENCES sla_policies (id)
)""",
    """CREATE TABLE case_pauses (
    id BIGSERIAL NOT NULL,
    case_id UUID NOT NULL,
    started_at TIMESTAMP WITH TIME ZONE NOT NULL,
    ended_at TIMESTAMP WITH TIME ZONE,
    PRIMARY KEY (id),
    FOREIGN KEY(case_id) REFERENCES cases (id)
)""",
    """CREATE TABLE case_activities (
    activity_id UUID NOT NULL,
    case_id UUID NOT NULL,
    activity_type VARCHAR(50),
    minutes INTEGER NOT NULL,
    completed_at TIMESTAMP WITH TIME ZONE,
    owner_id UUID,
    PRIMARY KEY (activity_id)
)""",
    """CREATE TABLE case_articles (
    case_id UUID NOT NULL,
    article_id UUID NOT NULL,
    linked_by UUID,
    linked_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (case_id, article_id),
    FOREIGN KEY(case_id) REFERENCES cases (id),
    FOREIGN KEY(article_id) REFERENCES kb_articles (id)
)""",
]

INDEXES = [
    # keyset pagination walks (sort field, id)
    "CREATE INDEX ix_cases_created_at_id ON cases (created_at, id)",
    "CREATE INDEX ix_cases_customer_account ON cases (customer_account_id)",
    "CREATE INDEX ix_cases_customer_contact ON cases (customer_contact_id)",
    "CREATE INDEX ix_cases_contract ON cases (contract_id)",
    "CREATE INDEX ix_case_activities_case ON case_activities (case_id)",
    "CREATE INDEX ix_case_pauses_case ON case_pauses (case_id)",
    "CREATE INDEX ix_contracts_created_at_id ON contracts (created_at, id)",
    "CREATE INDEX ix_contracts_customer ON contracts (customer_account_id)",
    "CREATE INDEX ix_contracts_active_end ON contracts (end_date) WHERE status = 'active'",
    "CREATE INDEX ix_customer_contacts_account ON customer_contacts (account_id)",
    "CREATE INDEX ix_queues_created_at_id ON queues (created_at, id)",
    # one queue catches what no routing rule takes
    "CREATE UNIQUE INDEX ux_queues_one_default ON queues (is_default) WHERE is_default",
    # a record sits in one queue at a time
    "CREATE UNIQUE INDEX ux_queue_items_record ON queue_items (item_type, item_id)",
    "CREATE INDEX ix_queue_items_queue ON queue_items (queue_id, entered_queue_at, id)",
    "CREATE INDEX ix_queue_item_history_item ON queue_item_history (queue_item_id, id)",
    "CREATE INDEX ix_routing_rules_position ON routing_rules (position, id)",
    "CREATE INDEX ix_kb_articles_created_at_id ON kb_articles (created_at, id)",
    "CREATE INDEX ix_kb_articles_search ON kb_articles USING gin (search)",
    "CREATE INDEX ix_case_articles_article ON case_articles (article_id)",
]

CHECKS = [
    "ALTER TABLE cases ADD CONSTRAINT ck_cases_status CHECK (status IN ('active', 'resolved', 'cancelled'))",
    "ALTER TABLE cases ADD CONSTRAINT ck_cases_one_customer "
    "CHECK ((customer_account_id IS NULL) <> (customer_contact_id IS NULL))",
    "ALTER TABLE contracts ADD CONSTRAINT ck_contracts_status "
    "CHECK (status IN ('draft', 'active', 'expired', 'cancelled'))",
    "ALTER TABLE queue_items ADD CONSTRAINT ck_queue_items_type CHECK (item_type IN ('case', 'activity'))",
    "ALTER TABLE kb_articles ADD CONSTRAINT ck_kb_articles_status "
    "CHECK (status IN ('draft', 'published', 'archived'))",
]

# The search vector follows every write of an article, in the article's own language, so
# stemming fits the text: title weighs A, keywords B, body C.
SEARCH_TRIGGER = [
    """CREATE FUNCTION kb_articles_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search :=
        setweight(to_tsvector(NEW.language::regconfig, coalesce(NEW.title, '')), 'A') ||
        setweight(to_tsvector(NEW.language::regconfig, array_to_string(NEW.keywords, ' ')), 'B') ||
        setweight(to_tsvector(NEW.language::regconfig, coalesce(NEW.body, '')), 'C');
    RETURN NEW;
END
$$""",
    """CREATE TRIGGER kb_articles_search BEFORE INSERT OR UPDATE OF title, body, keywords, language
ON kb_articles FOR EACH ROW EXECUTE FUNCTION kb_articles_search()""",
]


def upgrade():
    for statement in TABLES + INDEXES + CHECKS + SEARCH_TRIGGER:
        op.execute(statement)


def downgrade():
    op.execute("DROP TRIGGER kb_articles_search ON kb_articles")
    op.execute("DROP FUNCTION kb_articles_search()")
    for statement in reversed(TABLES):
        op.execute("DROP TABLE " + statement.split()[2])
