//! REST APIs and the resource tree through the management API.

mod common;

use common::{app, is_id, s, START_SECS};
use serde_json::json;

#[tokio::test]
async fn create_rest_api_is_201_with_ten_char_ids_and_defaults() {
    let app = app().await;
    let r = app
        .post(
            "/restapis",
            json!({ "name": "pets", "description": "d", "binaryMediaTypes": ["image/png"] }),
        )
        .await;
    let b = r.assert_status(201);
    assert!(is_id(b["id"].as_str().unwrap(), 10), "{b}");
    assert!(is_id(b["rootResourceId"].as_str().unwrap(), 10), "{b}");
    assert_eq!(b["name"], "pets");
    assert_eq!(b["description"], "d");
    assert_eq!(b["createdDate"], START_SECS);
    assert_eq!(b["apiKeySource"], "HEADER");
    assert_eq!(b["endpointConfiguration"]["types"], json!(["EDGE"]));
    assert_eq!(b["binaryMediaTypes"], json!(["image/png"]));
    assert_eq!(b["disableExecuteApiEndpoint"], false);
    assert!(r.headers.get("x-amzn-RequestId").is_some());
}

#[tokio::test]
async fn create_rest_api_without_name_is_bad_request() {
    let app = app().await;
    app.post("/restapis", json!({}))
        .await
        .assert_error(400, "BadRequestException", "name");
}

#[tokio::test]
async fn malformed_json_and_wrong_types_are_bad_request() {
    let app = app().await;
    let r = app
        .raw("POST", "/restapis", b"{not json".to_vec(), &[])
        .await;
    r.assert_error(400, "BadRequestException", "Invalid request body");
    let r = app.post("/restapis", json!({ "name": 5 })).await;
    r.assert_error(400, "BadRequestException", "invalid type");
    let r = app
        .post(
            "/restapis",
            json!({ "name": "x", "binaryMediaTypes": "image/png" }),
        )
        .await;
    r.assert_error(400, "BadRequestException", "invalid type");
}

#[tokio::test]
async fn invalid_enum_values_are_bad_request() {
    let app = app().await;
    let r = app
        .post(
            "/restapis",
            json!({ "name": "x", "apiKeySource": "COOKIE" }),
        )
        .await;
    r.assert_error(400, "BadRequestException", "apiKeySource");
    let r = app
        .post(
            "/restapis",
            json!({ "name": "x", "endpointConfiguration": { "types": ["MOON"] } }),
        )
        .await;
    r.assert_error(400, "BadRequestException", "endpointConfiguration.types");
}

#[tokio::test]
async fn unknown_rest_api_is_404_with_aws_message_and_request_id() {
    let app = app().await;
    let r = app.get("/restapis/nope123456").await;
    r.assert_error(
        404,
        "NotFoundException",
        "Invalid Resource identifier specified",
    );
    assert_eq!(r.headers["content-type"], "application/json");
    let id = r.headers["x-amzn-RequestId"].to_str().unwrap();
    assert_eq!(id.len(), 36, "a uuid: {id}");
}

#[tokio::test]
async fn get_rest_apis_pages_with_limit_and_position() {
    let app = app().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(app.create_api(&format!("api{i}")).await.0);
    }
    ids.sort();
    let r = app.get("/restapis?limit=2").await;
    let b = r.assert_status(200);
    let page1: Vec<String> = b["item"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| s(&a["id"]))
        .collect();
    assert_eq!(page1, ids[..2]);
    let pos = s(&b["position"]);
    let b = app
        .get(&format!("/restapis?limit=2&position={pos}"))
        .await
        .body;
    let page2: Vec<String> = b["item"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| s(&a["id"]))
        .collect();
    assert_eq!(page2, ids[2..4]);
    let b = app
        .get(&format!("/restapis?limit=2&position={}", s(&b["position"])))
        .await
        .body;
    assert_eq!(b["item"].as_array().unwrap().len(), 1);
    assert!(
        b.get("position").is_none(),
        "last page has no position: {b}"
    );
    app.get("/restapis?limit=0")
        .await
        .assert_error(400, "BadRequestException", "limit");
    app.get("/restapis?limit=x")
        .await
        .assert_error(400, "BadRequestException", "limit");
}

#[tokio::test]
async fn update_rest_api_patches_name_description_and_binary_media_types() {
    let app = app().await;
    let (api, _) = app.create_api("a").await;
    let r = app
        .patch(
            &format!("/restapis/{api}"),
            &[
                ("replace", "/name", Some("b")),
                ("replace", "/description", Some("about b")),
                ("add", "/binaryMediaTypes/image~1png", None),
                ("add", "/binaryMediaTypes/application~1octet-stream", None),
                ("remove", "/binaryMediaTypes/image~1png", None),
                ("replace", "/minimumCompressionSize", Some("1024")),
            ],
        )
        .await;
    let b = r.assert_status(200);
    assert_eq!(b["name"], "b");
    assert_eq!(b["description"], "about b");
    assert_eq!(b["binaryMediaTypes"], json!(["application/octet-stream"]));
    assert_eq!(b["minimumCompressionSize"], 1024);
    assert_eq!(app.get(&format!("/restapis/{api}")).await.body["name"], "b");
}

#[tokio::test]
async fn update_rest_api_with_unknown_path_or_invalid_result_is_bad_request() {
    let app = app().await;
    let (api, _) = app.create_api("a").await;
    let r = app
        .patch(
            &format!("/restapis/{api}"),
            &[("replace", "/colour", Some("red"))],
        )
        .await;
    r.assert_error(400, "BadRequestException", "Invalid patch path /colour");
    let r = app
        .patch(
            &format!("/restapis/{api}"),
            &[("replace", "/name", Some(""))],
        )
        .await;
    r.assert_error(400, "BadRequestException", "name");
    let r = app
        .patch(
            &format!("/restapis/{api}"),
            &[("replace", "/apiKeySource", Some("COOKIE"))],
        )
        .await;
    r.assert_error(400, "BadRequestException", "apiKeySource");
    let r = app
        .call(
            "PATCH",
            &format!("/restapis/{api}"),
            Some(json!({ "patchOperations": [{ "op": "frob", "path": "/name" }] })),
        )
        .await;
    r.assert_error(400, "BadRequestException", "Invalid request body");
    // Nothing of a failed patch is kept.
    assert_eq!(app.get(&format!("/restapis/{api}")).await.body["name"], "a");
}

#[tokio::test]
async fn delete_rest_api_is_202_and_removes_its_stages() {
    let app = app().await;
    let (api, _) = app.deployed_api("gone", "prod").await;
    assert_eq!(app.svc.live().await.unwrap().stages.len(), 1);
    let r = app.delete(&format!("/restapis/{api}")).await;
    r.assert_status(202);
    app.get(&format!("/restapis/{api}"))
        .await
        .assert_error(404, "NotFoundException", "");
    assert!(app.svc.live().await.unwrap().stages.is_empty());
    app.delete(&format!("/restapis/{api}"))
        .await
        .assert_error(404, "NotFoundException", "");
}

#[tokio::test]
async fn clone_from_copies_the_resource_tree() {
    let app = app().await;
    let (src, root) = app.create_api("src").await;
    app.resource(&src, &root, "pets").await;
    let r = app
        .post("/restapis", json!({ "name": "copy", "cloneFrom": src }))
        .await;
    let b = r.assert_status(201);
    let copy = s(&b["id"]);
    assert_ne!(copy, src);
    let res = app.get(&format!("/restapis/{copy}/resources")).await.body;
    let mut paths: Vec<String> = res["item"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| s(&r["path"]))
        .collect();
    paths.sort();
    assert_eq!(paths, ["/", "/pets"]);
}

// === resources ===

#[tokio::test]
async fn create_resource_computes_paths_with_six_char_ids() {
    let app = app().await;
    let (api, root) = app.create_api("a").await;
    let pets = app.resource(&api, &root, "pets").await;
    assert!(is_id(&pets, 6), "{pets}");
    let r = app
        .post(
            &format!("/restapis/{api}/resources/{pets}"),
            json!({ "pathPart": "{petId}" }),
        )
        .await;
    let b = r.assert_status(201);
    assert_eq!(b["path"], "/pets/{petId}");
    assert_eq!(b["parentId"], pets);
    assert_eq!(b["pathPart"], "{petId}");
    let root_res = app.get(&format!("/restapis/{api}/resources/{root}")).await;
    assert_eq!(root_res.assert_status(200)["path"], "/");
}

#[tokio::test]
async fn duplicate_path_part_is_conflict() {
    let app = app().await;
    let (api, root) = app.create_api("a").await;
    app.resource(&api, &root, "pets").await;
    let r = app
        .post(
            &format!("/restapis/{api}/resources/{root}"),
            json!({ "pathPart": "pets" }),
        )
        .await;
    r.assert_error(
        409,
        "ConflictException",
        "Another resource with the same parent already has this name: pets",
    );
}

#[tokio::test]
async fn two_variable_siblings_are_refused() {
    let app = app().await;
    let (api, root) = app.create_api("a").await;
    let id = app.resource(&api, &root, "{id}").await;
    let r = app
        .post(
            &format!("/restapis/{api}/resources/{root}"),
            json!({ "pathPart": "{name}" }),
        )
        .await;
    r.assert_error(
        400,
        "BadRequestException",
        &format!("A sibling ({id}) of this resource already has a variable path part"),
    );
    let r = app
        .post(
            &format!("/restapis/{api}/resources/{root}"),
            json!({ "pathPart": "{proxy+}" }),
        )
        .await;
    r.assert_error(400, "BadRequestException", "variable path part");
}

#[tokio::test]
async fn greedy_resource_has_no_children() {
    let app = app().await;
    let (api, root) = app.create_api("a").await;
    let proxy = app.resource(&api, &root, "{proxy+}").await;
    let r = app
        .post(
            &format!("/restapis/{api}/resources/{proxy}"),
            json!({ "pathPart": "x" }),
        )
        .await;
    r.assert_error(400, "BadRequestException", "greedy path variable");
}

#[tokio::test]
async fn invalid_path_part_or_unknown_parent_is_refused() {
    let app = app().await;
    let (api, root) = app.create_api("a").await;
    for bad in ["", "a/b", "{a", "p ets"] {
        let r = app
            .post(
                &format!("/restapis/{api}/resources/{root}"),
                json!({ "pathPart": bad }),
            )
            .await;
        r.assert_error(400, "BadRequestException", "path part");
    }
    let r = app
        .post(
            &format!("/restapis/{api}/resources/zzzzzz"),
            json!({ "pathPart": "x" }),
        )
        .await;
    r.assert_error(
        404,
        "NotFoundException",
        "Invalid Resource identifier specified",
    );
}

#[tokio::test]
async fn get_resources_shows_methods_as_empty_objects_unless_embedded() {
    let app = app().await;
    let (api, root) = app.create_api("a").await;
    let pets = app.resource(&api, &root, "pets").await;
    app.mock_method(&api, &pets, "GET", json!({ "authorizationType": "NONE" }))
        .await;
    let b = app.get(&format!("/restapis/{api}/resources")).await.body;
    let item = b["item"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == pets)
        .unwrap()
        .clone();
    assert_eq!(item["resourceMethods"], json!({ "GET": {} }));
    let b = app
        .get(&format!("/restapis/{api}/resources?embed=methods"))
        .await
        .body;
    let item = b["item"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == pets)
        .unwrap()
        .clone();
    assert_eq!(item["resourceMethods"]["GET"]["authorizationType"], "NONE");
    assert_eq!(
        item["resourceMethods"]["GET"]["methodIntegration"]["type"],
        "MOCK"
    );
    let one = app
        .get(&format!("/restapis/{api}/resources/{pets}?embed=methods"))
        .await
        .body;
    assert_eq!(one["resourceMethods"]["GET"]["httpMethod"], "GET");
}

#[tokio::test]
async fn get_resources_pages() {
    let app = app().await;
    let (api, root) = app.create_api("a").await;
    for i in 0..4 {
        app.resource(&api, &root, &format!("r{i}")).await;
    }
    let b = app
        .get(&format!("/restapis/{api}/resources?limit=3"))
        .await
        .body;
    assert_eq!(b["item"].as_array().unwrap().len(), 3);
    let b = app
        .get(&format!(
            "/restapis/{api}/resources?limit=3&position={}",
            s(&b["position"])
        ))
        .await
        .body;
    assert_eq!(b["item"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn update_resource_renames_and_moves_the_subtree() {
    let app = app().await;
    let (api, root) = app.create_api("a").await;
    let pets = app.resource(&api, &root, "pets").await;
    let id = app.resource(&api, &pets, "{id}").await;
    let other = app.resource(&api, &root, "animals").await;
    let r = app
        .patch(
            &format!("/restapis/{api}/resources/{pets}"),
            &[("replace", "/pathPart", Some("dogs"))],
        )
        .await;
    assert_eq!(r.assert_status(200)["path"], "/dogs");
    let b = app
        .get(&format!("/restapis/{api}/resources/{id}"))
        .await
        .body;
    assert_eq!(b["path"], "/dogs/{id}");
    app.patch(
        &format!("/restapis/{api}/resources/{pets}"),
        &[("replace", "/parentId", Some(&other))],
    )
    .await
    .assert_status(200);
    let b = app
        .get(&format!("/restapis/{api}/resources/{id}"))
        .await
        .body;
    assert_eq!(b["path"], "/animals/dogs/{id}");
    // Not under its own descendant.
    let r = app
        .patch(
            &format!("/restapis/{api}/resources/{pets}"),
            &[("replace", "/parentId", Some(&id))],
        )
        .await;
    r.assert_error(400, "BadRequestException", "descendants");
    let r = app
        .patch(
            &format!("/restapis/{api}/resources/{root}"),
            &[("replace", "/pathPart", Some("x"))],
        )
        .await;
    r.assert_error(400, "BadRequestException", "root");
}

#[tokio::test]
async fn delete_resource_removes_the_subtree_but_never_the_root() {
    let app = app().await;
    let (api, root) = app.create_api("a").await;
    let pets = app.resource(&api, &root, "pets").await;
    let id = app.resource(&api, &pets, "{id}").await;
    app.delete(&format!("/restapis/{api}/resources/{pets}"))
        .await
        .assert_status(202);
    app.get(&format!("/restapis/{api}/resources/{id}"))
        .await
        .assert_error(404, "NotFoundException", "");
    let b = app.get(&format!("/restapis/{api}/resources")).await.body;
    assert_eq!(b["item"].as_array().unwrap().len(), 1);
    let r = app
        .delete(&format!("/restapis/{api}/resources/{root}"))
        .await;
    r.assert_error(400, "BadRequestException", "root");
}

#[tokio::test]
async fn more_than_500_resources_is_limit_exceeded() {
    let app = app().await;
    let (api, root) = app.create_api("big").await;
    for i in 0..499 {
        app.svc
            .create_resource(&api, &root, &format!("r{i}"))
            .await
            .unwrap();
    }
    let r = app
        .post(
            &format!("/restapis/{api}/resources/{root}"),
            json!({ "pathPart": "one-too-many" }),
        )
        .await;
    r.assert_error(429, "LimitExceededException", "500");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_to_one_api_lose_no_update() {
    let app = app().await;
    let (api, root) = app.create_api("busy").await;
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let svc = app.svc.clone();
            let (api, root) = (api.clone(), root.clone());
            tokio::spawn(async move { svc.create_resource(&api, &root, &format!("r{i}")).await })
        })
        .collect();
    let mut created = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => created += 1,
            Err(e) => assert_eq!(e.kind, cognate_apigw::error::ErrorKind::Conflict, "{e}"),
        }
    }
    assert!(created > 0);
    let doc = app.svc.api_doc(&api).await.unwrap();
    assert_eq!(
        doc.resources.len(),
        created + 1,
        "every acknowledged write is kept"
    );
}
