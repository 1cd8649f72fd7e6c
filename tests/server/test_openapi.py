"""The OpenAPI document is generated from the schemas and served with interactive docs."""


def test_openapi_document_lists_every_endpoint_with_its_schemas(client):
    spec = client.get("/api/openapi.json").json
    assert spec["info"]["title"] == "Fieldloop"
    for path in ("/api/v1/auth/token", "/api/v1/sync/push", "/api/v1/sync/pull", "/api/v1/me",
                 "/api/v1/returns", "/api/v1/jobs", "/api/v1/sites", "/api/v1/parts", "/api/v1/facilities",
                 "/api/v1/events", "/api/v1/devices", "/api/v1/reviews", "/api/v1/reviews/{review_id}/resolution"):
        assert path in spec["paths"], path
    push = spec["paths"]["/api/v1/sync/push"]["post"]
    assert push["security"] == [{"bearerAuth": []}]
    assert {"200", "401", "403", "413", "422", "426"} <= set(push["responses"])
    assert "PushRequest" in spec["components"]["schemas"]
    resolution = spec["paths"]["/api/v1/reviews/{review_id}/resolution"]["post"]
    assert {"200", "404", "409", "422"} <= set(resolution["responses"])


def test_interactive_docs_are_served_without_any_cdn(client):
    page = client.get("/api/docs").get_data(as_text=True)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200


def test_health_needs_no_sign_in_and_names_the_protocol(client):
    r = client.get("/api/v1/health")
    assert r.status_code == 200 and r.json["status"] == "ok" and r.json["protocol_version"] == 2
