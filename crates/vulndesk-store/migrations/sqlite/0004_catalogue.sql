-- The product catalogue (vendors, products, versions, suppliers, customers, deployments), the
-- components of each product version from its SBOM, the OSV records shared by the deployment,
-- and the components a case names as affected. Never edit a shipped migration: add a new one.

CREATE TABLE vendors (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    website TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE products (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    vendor_id TEXT NOT NULL REFERENCES vendors (id),
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (vendor_id, name)
);
CREATE INDEX products_by_org ON products (org_id);

-- One row per (model, version) of a product; `model` is empty for a product with one model.
CREATE TABLE product_versions (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    product_id TEXT NOT NULL REFERENCES products (id),
    model TEXT NOT NULL,
    version TEXT NOT NULL,
    release_date TEXT NOT NULL,
    support_status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (product_id, model, version)
);
CREATE INDEX product_versions_by_org ON product_versions (org_id);

CREATE TABLE suppliers (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    jurisdiction TEXT NOT NULL,
    website TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE customers (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    jurisdiction TEXT NOT NULL,
    locale TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE deployments (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    product_version_id TEXT NOT NULL REFERENCES product_versions (id),
    note TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (customer_id, product_version_id)
);
CREATE INDEX deployments_by_version ON deployments (product_version_id);

-- The SBOM last imported for a product version; importing again replaces its components.
CREATE TABLE sboms (
    product_version_id TEXT PRIMARY KEY REFERENCES product_versions (id),
    org_id TEXT NOT NULL,
    format TEXT NOT NULL,
    spec_version TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    components BIGINT NOT NULL,
    warnings BIGINT NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at BIGINT NOT NULL
);

-- `ecosystem` and `package_key` are the OSV ecosystem and the name normalised for it (empty
-- when the component has no package URL vulndesk can match); `direct` is 1 for a direct
-- dependency, 0 for a transitive one, NULL when the SBOM does not say.
CREATE TABLE components (
    product_version_id TEXT NOT NULL REFERENCES product_versions (id),
    seq BIGINT NOT NULL,
    bom_ref TEXT NOT NULL,
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    purl TEXT NOT NULL,
    ecosystem TEXT NOT NULL,
    package_key TEXT NOT NULL,
    cpe TEXT NOT NULL,
    supplier TEXT NOT NULL,
    hashes TEXT NOT NULL,
    direct BIGINT,
    PRIMARY KEY (product_version_id, seq)
);
-- Covers the reverse query (which product versions hold a package, at which version) without
-- reading the table.
CREATE INDEX components_by_package ON components (ecosystem, package_key, product_version_id, version, purl);

CREATE TABLE component_edges (
    product_version_id TEXT NOT NULL REFERENCES product_versions (id),
    from_ref TEXT NOT NULL,
    to_ref TEXT NOT NULL
);
CREATE INDEX component_edges_by_version ON component_edges (product_version_id);

-- OSV records, shared by every organisation of the deployment; `body` is the record as imported.
CREATE TABLE osv_records (
    id TEXT PRIMARY KEY,
    modified TEXT NOT NULL,
    modified_at BIGINT,
    withdrawn BIGINT NOT NULL,
    aliases TEXT NOT NULL,
    summary TEXT NOT NULL,
    body TEXT NOT NULL,
    imported_at BIGINT NOT NULL
);

CREATE TABLE osv_packages (
    record_id TEXT NOT NULL REFERENCES osv_records (id),
    ecosystem TEXT NOT NULL,
    package_key TEXT NOT NULL
);
CREATE INDEX osv_packages_by_package ON osv_packages (ecosystem, package_key);
CREATE INDEX osv_packages_by_record ON osv_packages (record_id);

-- A component a case names as affected: a package (purl without version) and a `vers` range.
CREATE TABLE case_components (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    purl TEXT NOT NULL,
    ecosystem TEXT NOT NULL,
    package_key TEXT NOT NULL,
    vers TEXT NOT NULL,
    supplier_id TEXT REFERENCES suppliers (id),
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX case_components_by_case ON case_components (case_id);
